package dev.offerrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * How much heap the worker needs for one batch: the worker's deployment jar alone in a fresh JVM (as
 * {@link ColdStartBench} runs it), one SQS batch of N jobs against the simulator and the embedded S3, under
 * shrinking {@code -Xmx}. A batch passes when the JVM survives and no job is reported failed.
 */
public final class WorkerMemoryBench implements Benchmark {
    private static final List<Integer> BATCHES = List.of(200, 1000);
    private static final List<Integer> HEAPS_MB = List.of(32, 64, 128, 256);

    @Override
    public String id() {
        return "worker-memory";
    }

    @Override
    public String run(int repeats) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path dir = Files.createTempDirectory("worker-memory-bench");
        StringBuilder md = new StringBuilder("## Worker memory: heap for one batch\n\n")
                .append("The worker's deployment jar alone in a fresh JVM (`-XX:+UseSerialGC "
                        + "-XX:TieredStopAtLevel=1`, as the java21 runtime on a small function), handler built from "
                        + "the environment, one SQS batch against the simulator (W = 64, 20 ms) and the embedded S3. "
                        + "`process CPU` is the whole JVM's, start-up and JIT included. `peak heap` is the sum of "
                        + "the heap pools' peak use, which includes garbage not yet collected; `failed` counts jobs the partial-batch response reported (OOM = the JVM died). "
                        + "Simulator answers are about 200 bytes; the raw log keeps each body, so a real API's "
                        + "larger bodies scale the batch's share linearly.\n\n")
                .append("| batch | -Xmx | result | first event (ms) | process CPU (ms) | peak heap (MB) | GCs "
                        + "| GC time (ms) |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local());
                CalcApiSimulator api = new CalcApiSimulator(64, 64, 20, 2)) {
            String probeClasspath = ColdStartBench.probeClasspath(root);
            for (int batch : BATCHES) {
                Path event = dir.resolve("worker-" + batch + ".json");
                Files.writeString(event, event(batch, stack));
                var worker = new ColdStartBench.Function(
                        "worker",
                        "dev.offerrecorder.worker.WorkerHandler",
                        event.toString(),
                        stack.workerEnv(api.urlTemplate()).values());
                for (int heap : HEAPS_MB) {
                    String row;
                    try {
                        JsonNode r = ColdStartBench.probe(
                                root,
                                worker,
                                "-Xmx" + heap + "m -XX:+UseSerialGC " + "-XX:TieredStopAtLevel=1",
                                probeClasspath);
                        row = String.format(
                                Locale.ROOT,
                                "| %d | %d MB | %s | %d | %d | %d | %d | %d |",
                                batch,
                                heap,
                                r.path("failed").asInt() == 0
                                        ? "ok"
                                        : r.path("failed").asInt() + " failed",
                                r.path("firstEventMs").asLong(),
                                r.path("cpuMs").asLong(),
                                r.path("peakHeapMb").asLong(),
                                r.path("gcCount").asLong(),
                                r.path("gcMs").asLong());
                    } catch (IllegalStateException e) {
                        String why = e.getMessage().contains("OutOfMemoryError") ? "OOM" : "failed";
                        row = String.format(Locale.ROOT, "| %d | %d MB | %s | | | | | |", batch, heap, why);
                    }
                    System.err.println(row);
                    md.append(row).append('\n');
                }
            }
            md.append("\n").append(timeoutSection(root, dir, stack, probeClasspath));
        }
        md.append("\nReproduce: `./mvnw -q package -DskipTests && ./recorder bench --only worker-memory`.\n");
        return md.toString();
    }

    /**
     * The timeout's measure: one container's share of the team's API (W = 16 at 400 ms over 10 containers is
     * about 2 workers each; 4 here, with a queue of 2) and a template-sized batch of 200, cold JVM included.
     */
    private String timeoutSection(Path root, Path dir, EmbeddedStack stack, String probeClasspath) throws Exception {
        StringBuilder md = new StringBuilder("### Batch duration at the team's API speed (the timeout)\n\n")
                .append("One fresh worker JVM, a batch of 200 (the template's `WorkerBatchSize`) against a simulator "
                        + "of W = 4 at 400 ms (±10 %), queue 2: a generous share of the team's API (W = 16, "
                        + "L = 400 ms) for one of 10 containers. The function's timeout is 300 s.\n\n")
                .append("| batch | API | result | batch duration (s) | share of the 300 s timeout |\n")
                .append("|---|---|---|---|---|\n");
        try (CalcApiSimulator api = new CalcApiSimulator(4, 2, 400, 40)) {
            Path event = dir.resolve("worker-timeout.json");
            Files.writeString(event, event(200, stack));
            var worker = new ColdStartBench.Function(
                    "worker",
                    "dev.offerrecorder.worker.WorkerHandler",
                    event.toString(),
                    stack.workerEnv(api.urlTemplate()).values());
            JsonNode r = ColdStartBench.probe(root, worker, "-XX:TieredStopAtLevel=1", probeClasspath);
            double seconds = r.path("firstEventMs").asLong() / 1000.0;
            String row = String.format(
                    Locale.ROOT,
                    "| 200 | W = 4, L = 400 ms | %s | %.1f | %.0f %% |",
                    r.path("failed").asInt() == 0 ? "ok" : r.path("failed").asInt() + " failed",
                    seconds,
                    100 * seconds / 300);
            System.err.println(row);
            md.append(row).append('\n');
        }
        return md.toString();
    }

    /** An SQS event of {@code jobs} job messages, as Lambda's poller builds it. */
    private static String event(int jobs, EmbeddedStack stack) {
        JobCodec codec = new JobCodec();
        List<Message> messages = new ArrayList<>();
        for (int i = 1; i <= jobs; i++) {
            messages.add(Message.builder()
                    .messageId("m-" + i)
                    .receiptHandle("r-" + i)
                    .md5OfBody("x")
                    .body(codec.encode(new Job("mem-" + jobs, Integer.toString(i), LocalDate.of(2024, 1, 1))))
                    .build());
        }
        String queue = stack.url(stack.layout().jobQueue());
        return LambdaRunner.sqsEventJson(messages, stack.arn(queue), "us-east-1");
    }
}
