package dev.offerrecorder.local.cli;

import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** The local pipeline's knobs that {@code demo} and {@code serve} share: the simulated API and the workers. */
final class PipelineArgs {
    @Option(
            names = "--api-workers",
            defaultValue = "8",
            description = "Simulator workers W (default ${DEFAULT-VALUE}).")
    int apiWorkers;

    @Option(
            names = "--api-latency-ms",
            defaultValue = "50",
            description = "Simulator latency L per request (default ${DEFAULT-VALUE}).")
    long apiLatencyMs;

    @Option(
            names = "--api-error-rate",
            defaultValue = "0",
            description = "Fraction of requests answered 500 (default ${DEFAULT-VALUE}).")
    double apiErrorRate;

    @Option(
            names = "--api-overload",
            defaultValue = "degrade",
            converter = OverloadConverter.class,
            description = "Past W + queue the simulator degrades (slows everyone, then stops answering for 3 s)"
                    + " or answers fast-503 at once (default ${DEFAULT-VALUE}).")
    CalcApiSimulator.Overload apiOverload;

    @Option(
            names = "--worker-concurrency",
            defaultValue = "2",
            description = "Worker MaximumConcurrency (default ${DEFAULT-VALUE}).")
    int workerConcurrency;

    @Option(
            names = "--api-capacity-rps",
            description = "Requests/s the workers are told the API takes (API_CAPACITY_RPS; each worker container"
                    + " paces at it / --worker-concurrency). Default: the simulator's ceiling W / L; 0: no pacing.")
    Double apiCapacityRps;

    void validate(CommandSpec spec) {
        if (apiCapacityRps != null && (!(apiCapacityRps >= 0) || apiCapacityRps > 1_000_000)) {
            throw new ParameterException(spec.commandLine(), "--api-capacity-rps must be between 0 and 1000000");
        }
        if (apiWorkers < 1 || apiLatencyMs < 0 || apiErrorRate < 0 || apiErrorRate >= 1 || workerConcurrency < 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--api-workers and --worker-concurrency must be >= 1, " + "latency >= 0, error rate in [0, 1)");
        }
    }

    PipelineOptions options(Path dataDir) {
        PipelineOptions options = PipelineOptions.defaults(dataDir)
                .withApiOverload(apiOverload)
                .withApi(apiWorkers, apiLatencyMs, Math.max(0, apiLatencyMs / 5), apiErrorRate)
                // The template's WorkerBatchSize and WorkerBatchingWindowSeconds defaults, so the demo's batches
                // are production's.
                .withWorker(StackLayout.WORKER_BATCH_SIZE, workerConcurrency, Duration.ofSeconds(60))
                .withWorkerBatchWindow(StackLayout.WORKER_BATCH_WINDOW);
        if (apiCapacityRps == null) {
            return options; // the pipeline tells the workers the simulator's ceiling
        }
        return options.withWorkerEnv(Map.of("API_CAPACITY_RPS", apiCapacityRps == 0 ? "" : apiCapacityRps.toString()));
    }

    /** {@code degrade} or {@code fast-503}, the names the CLI shows. */
    static final class OverloadConverter implements ITypeConverter<CalcApiSimulator.Overload> {
        @Override
        public CalcApiSimulator.Overload convert(String value) {
            return switch (value) {
                case "degrade" -> CalcApiSimulator.Overload.DEGRADE;
                case "fast-503" -> CalcApiSimulator.Overload.FAST_503;
                default -> throw new TypeConversionException("expected degrade or fast-503, got '" + value + "'");
            };
        }
    }
}
