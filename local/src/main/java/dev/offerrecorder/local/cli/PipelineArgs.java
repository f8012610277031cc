package dev.offerrecorder.local.cli;

import dev.offerrecorder.local.pipeline.PipelineOptions;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

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
            names = "--worker-concurrency",
            defaultValue = "2",
            description = "Worker MaximumConcurrency (default ${DEFAULT-VALUE}).")
    int workerConcurrency;

    void validate(CommandSpec spec) {
        if (apiWorkers < 1 || apiLatencyMs < 0 || apiErrorRate < 0 || apiErrorRate >= 1 || workerConcurrency < 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--api-workers and --worker-concurrency must be >= 1, " + "latency >= 0, error rate in [0, 1)");
        }
    }

    PipelineOptions options(Path dataDir) {
        return PipelineOptions.defaults(dataDir)
                .withApi(apiWorkers, apiLatencyMs, Math.max(0, apiLatencyMs / 5), apiErrorRate)
                // The template's WorkerBatchSize default, so the demo's batches are production's.
                .withWorker(200, workerConcurrency, Duration.ofSeconds(60));
    }
}
