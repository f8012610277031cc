package dev.offerrecorder.local.cli;

import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.local.serve.LocalServer;
import dev.offerrecorder.operator.cli.DurationConverter;
import dev.offerrecorder.operator.cli.RecorderCli;
import dev.offerrecorder.operator.cli.StackOptions;
import dev.offerrecorder.operator.ops.LocalStackFile;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./recorder serve}: the embedded stack and the whole pipeline in the foreground, until Ctrl-C. The
 * embedded AWS lives in this JVM; {@code DATA_DIR/stack.json} tells {@code backfill}, {@code replay} and
 * {@code status --local} how to reach it.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs the embedded stack (SQS, S3, the Lambda Invoke API for fan-out and replay), the "
                    + "workers, the transform and the API simulator in the foreground until Ctrl-C, and writes "
                    + "DATA_DIR/stack.json so 'recorder backfill|replay|status --local --data-dir DATA_DIR' can reach "
                    + "them. Function logs go to DATA_DIR/logs/functions.log.",
            "Queues live in memory and start empty each time; S3 objects stay under DATA_DIR/s3."
        },
        footer = {"", "Exit codes: 0 stopped, 1 failed, 2 usage, 4 refused (the data directory is already served)."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = StackOptions.DEFAULT_DATA_DIR,
            description = "S3 objects, logs and stack.json (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Mixin
    PipelineArgs pipelineArgs;

    @Option(
            names = "--max-receive-count",
            paramLabel = "N",
            defaultValue = "5",
            description = "Job queue redrive policy: deliveries before a job goes to the DLQ (default "
                    + "${DEFAULT-VALUE}).")
    int maxReceiveCount;

    @Option(
            names = "--worker-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "The worker's timeout; the job queue's visibility timeout is 6x it, as in template.yaml "
                    + "(default ${DEFAULT-VALUE}). A failed job comes back after 1, 2, 4... s.")
    Duration workerTimeout;

    @Option(
            names = "--fail-shops",
            paramLabel = "ID",
            split = ",",
            description = "The simulator answers 500 for these shops (to see jobs reach the DLQ and replay them).")
    Set<String> failShops;

    @Option(
            names = "--fail-for",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "With --fail-shops: lift the failure after this long (default: never).")
    Duration failFor;

    /** Counted down by the shutdown hook (Ctrl-C, SIGTERM). */
    private final CountDownLatch stop = new CountDownLatch(1);
    /** Counted down once the stack is closed: the hook waits for it, so stack.json is gone before the JVM is. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        pipelineArgs.validate(spec);
        if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
            throw new ParameterException(spec.commandLine(), "--max-receive-count must be 1..1000");
        }
        if (workerTimeout.toMillis() < 100 || workerTimeout.toSeconds() > 900) {
            throw new ParameterException(spec.commandLine(), "--worker-timeout must be 100ms..15m (Lambda's limit)");
        }
        if (failFor != null && failShops == null) {
            throw new ParameterException(spec.commandLine(), "--fail-for goes with --fail-shops");
        }
        PrintWriter err = spec.commandLine().getErr();
        Path dir = dataDir.toAbsolutePath().normalize();
        var existing = LocalStackFile.read(dir);
        if (existing.isPresent()
                && ProcessHandle.of(existing.get().pid())
                        .map(ProcessHandle::isAlive)
                        .orElse(false)) {
            err.printf(
                    "refused: %s is already served by process %d; stop it first or use another --data-dir%n",
                    dir, existing.get().pid());
            return RecorderCli.EXIT_REFUSED;
        }
        var base = pipelineArgs.options(dir);
        var options = base.withLayout(
                base.layout().withMaxReceiveCount(maxReceiveCount).withWorkerTimeout(workerTimeout));
        // The functions log JSON lines to stdout, as in Lambda: keep them in a file so this console stays readable.
        Path logFile = dir.resolve("logs").resolve("functions.log");
        Files.createDirectories(logFile.getParent());
        PrintStream stdout = System.out;
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stop.countDown();
                            try {
                                stopped.await(20, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "serve-shutdown"));
        try (PrintStream functionLogs = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8)) {
            System.setOut(functionLogs);
            try (LocalServer server = LocalServer.start(options)) {
                injectFaults(server.pipeline(), err);
                describe(server, err, logFile);
                awaitStop(server.pipeline(), err);
            } finally {
                System.setOut(stdout);
            }
            err.println("local stack stopped");
            err.flush();
        } finally {
            stopped.countDown();
        }
        return RecorderCli.EXIT_OK;
    }

    private void injectFaults(LocalPipeline pipeline, PrintWriter err) {
        if (failShops == null) {
            return;
        }
        SimulatorFaults normal = SimulatorFaults.none().withErrorRate(pipelineArgs.apiErrorRate);
        pipeline.api().setFaults(normal.withFailingShops(failShops));
        err.printf("the simulator fails shops %s%s%n", failShops, failFor == null ? "" : " for " + failFor);
        if (failFor != null) {
            Thread.ofPlatform().daemon().name("lift-faults").start(() -> {
                try {
                    Thread.sleep(failFor.toMillis());
                    pipeline.api().setFaults(normal);
                    err.printf("the simulator no longer fails shops %s%n", failShops);
                    err.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    private void describe(LocalServer server, PrintWriter err, Path logFile) {
        var stack = server.stack();
        err.printf("local stack up: %s%n", server.stackFile());
        err.printf(
                "  SQS %s, S3 %s, Lambda Invoke API %s%n",
                stack.endpoints().sqs(),
                stack.endpoints().s3(),
                stack.endpoints().lambda());
        err.printf(
                "  API simulator %s (W=%d, L=%d ms: %d requests/s; replays default to %d/s)%n",
                server.pipeline().api().baseUri(),
                pipelineArgs.apiWorkers,
                pipelineArgs.apiLatencyMs,
                server.apiCapacity(),
                server.defaultReplayRate());
        err.printf(
                "  job queue: maxReceiveCount %d, worker timeout %s (visibility 6x); function logs %s%n",
                maxReceiveCount, workerTimeout, logFile);
        err.printf(
                "try: ./recorder backfill --local --data-dir %s --from 2024-01-01 --to 2024-01-03 --shops 1-100 "
                        + "--wait%n",
                server.dataDir());
        err.println("Ctrl-C stops it.");
        err.flush();
    }

    /** Blocks until the JVM is asked to stop; prints a line whenever the pipeline's counts change. */
    private void awaitStop(LocalPipeline pipeline, PrintWriter err) throws InterruptedException {
        String last = "";
        while (!stop.await(5, TimeUnit.SECONDS)) {
            var p = pipeline.progress();
            String line = String.format(
                    "jobs queued %d, in flight %d, DLQ %d, transform queued %d, API calls %d",
                    p.jobsQueued(), p.jobsInFlight(), p.dlq(), p.transformQueued(), p.apiRequests());
            if (!Objects.equals(line, last)) {
                err.println(line);
                err.flush();
                last = line;
            }
        }
    }
}
