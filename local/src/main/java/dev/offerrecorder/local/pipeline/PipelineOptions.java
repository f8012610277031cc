package dev.offerrecorder.local.pipeline;

import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How a local pipeline is set up: the simulated API (W workers, latency, jitter, queue, error rate, what it does
 * past its queue: DEGRADE by default, as unkind as an overloaded production API), the worker's
 * event source (batch size, window, MaximumConcurrency), the stack (queues, function timeouts) and any extra worker
 * and fan-out environment.
 */
public record PipelineOptions(
        Path dataDir,
        int apiWorkers,
        long apiLatencyMs,
        long apiJitterMs,
        int apiQueueLimit,
        double apiErrorRate,
        int workerBatchSize,
        Duration workerBatchWindow,
        int workerConcurrency,
        StackLayout layout,
        Map<String, String> workerEnv,
        Map<String, String> fanoutEnv,
        CalcApiSimulator.Overload apiOverload) {

    public static PipelineOptions defaults(Path dataDir) {
        return new PipelineOptions(
                dataDir,
                8,
                50,
                10,
                8,
                0.0,
                100,
                Duration.ofMillis(500),
                2,
                StackLayout.local(),
                Map.of(
                        "API_CALL_TIMEOUT_MS",
                        "5000",
                        "API_BACKOFF_BASE_MS",
                        "50",
                        "API_BACKOFF_MAX_MS",
                        "1000",
                        "WRITE_RESERVE_MS",
                        "2000"),
                Map.of(),
                CalcApiSimulator.Overload.DEGRADE);
    }

    /** Extra environment for the fan-out and slice functions (on top of the stack's). */
    public PipelineOptions withFanoutEnv(Map<String, String> extra) {
        var merged = new java.util.HashMap<>(fanoutEnv);
        merged.putAll(extra);
        return new PipelineOptions(
                dataDir,
                apiWorkers,
                apiLatencyMs,
                apiJitterMs,
                apiQueueLimit,
                apiErrorRate,
                workerBatchSize,
                workerBatchWindow,
                workerConcurrency,
                layout,
                workerEnv,
                Map.copyOf(merged),
                apiOverload);
    }

    public PipelineOptions withApi(int workers, long latencyMs, long jitterMs, double errorRate) {
        return new PipelineOptions(
                dataDir,
                workers,
                latencyMs,
                jitterMs,
                apiQueueLimit,
                errorRate,
                workerBatchSize,
                workerBatchWindow,
                workerConcurrency,
                layout,
                workerEnv,
                fanoutEnv,
                apiOverload);
    }

    /** The worker's event source and timeout; the job queue's visibility follows from the timeout (6x). */
    public PipelineOptions withWorker(int batchSize, int concurrency, Duration timeout) {
        return new PipelineOptions(
                dataDir,
                apiWorkers,
                apiLatencyMs,
                apiJitterMs,
                apiQueueLimit,
                apiErrorRate,
                batchSize,
                workerBatchWindow,
                concurrency,
                layout.withWorkerTimeout(timeout),
                workerEnv,
                fanoutEnv,
                apiOverload);
    }

    /** How long the worker's event source gathers a batch (MaximumBatchingWindowInSeconds). */
    public PipelineOptions withWorkerBatchWindow(Duration window) {
        return new PipelineOptions(
                dataDir,
                apiWorkers,
                apiLatencyMs,
                apiJitterMs,
                apiQueueLimit,
                apiErrorRate,
                workerBatchSize,
                window,
                workerConcurrency,
                layout,
                workerEnv,
                fanoutEnv,
                apiOverload);
    }

    public PipelineOptions withLayout(StackLayout newLayout) {
        return new PipelineOptions(
                dataDir,
                apiWorkers,
                apiLatencyMs,
                apiJitterMs,
                apiQueueLimit,
                apiErrorRate,
                workerBatchSize,
                workerBatchWindow,
                workerConcurrency,
                newLayout,
                workerEnv,
                fanoutEnv,
                apiOverload);
    }

    public PipelineOptions withWorkerEnv(Map<String, String> extra) {
        var merged = new java.util.HashMap<>(workerEnv);
        merged.putAll(extra);
        return new PipelineOptions(
                dataDir,
                apiWorkers,
                apiLatencyMs,
                apiJitterMs,
                apiQueueLimit,
                apiErrorRate,
                workerBatchSize,
                workerBatchWindow,
                workerConcurrency,
                layout,
                Map.copyOf(merged),
                fanoutEnv,
                apiOverload);
    }

    /** What the simulated API does past W + queue (see {@link CalcApiSimulator.Overload}). */
    public PipelineOptions withApiOverload(CalcApiSimulator.Overload overload) {
        return new PipelineOptions(
                dataDir,
                apiWorkers,
                apiLatencyMs,
                apiJitterMs,
                apiQueueLimit,
                apiErrorRate,
                workerBatchSize,
                workerBatchWindow,
                workerConcurrency,
                layout,
                workerEnv,
                fanoutEnv,
                overload);
    }
}
