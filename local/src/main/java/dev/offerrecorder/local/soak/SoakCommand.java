package dev.offerrecorder.local.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.jerolba.carpet.CloseableIterator;
import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.operator.cli.DurationConverter;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.runner.InvocationFaults;
import dev.offerrecorder.testkit.runner.InvocationFaults.Action;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.sim.S3FaultProxy;
import dev.offerrecorder.testkit.sim.S3Faults;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import dev.offerrecorder.transform.OfferParquet;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The soak run: a few hundred thousand jobs through the whole local pipeline (embedded SQS and S3, the simulator,
 * fan-out, workers, transform, compaction) on loopback, with faults injected all along (API 500s, 429s and garbage,
 * raw-log writes refused or left unconfirmed, worker containers crashing, batches delivered twice), then every job
 * accounted for. Bounded twice: by the job count, and by {@code --max-duration}, after which it stops by itself and
 * reports what it has (exit 1, "UNFINISHED"). Not part of the test suite: run it as {@code ./recorder soak} or
 * {@code java ... dev.offerrecorder.local.soak.SoakCommand --jobs 300000}.
 *
 * <p>Exit codes: 0 every job recorded once or parked in the DLQ, none lost; 1 a job lost or duplicated, or the time
 * bound reached; 2 bad arguments.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description = "Runs a bounded soak: many jobs through the local pipeline with faults injected, then checks "
                + "every job is recorded once or parked in the DLQ (none lost, none twice) and reports peak heap.")
public final class SoakCommand implements Callable<Integer> {
    static final LocalDate FIRST_DATE = LocalDate.of(2024, 1, 1);

    @Option(
            names = "--jobs",
            defaultValue = "300000",
            description = "jobs to run, rounded up to whole days of shops " + "(default ${DEFAULT-VALUE})")
    long jobs;

    @Option(names = "--days", defaultValue = "3", description = "dates the jobs spread over (default ${DEFAULT-VALUE})")
    int days;

    @Option(
            names = "--max-duration",
            defaultValue = "20m",
            converter = DurationConverter.class,
            description = "stop by then, finished or not: 90s, 15m, 1h or ISO-8601 (default ${DEFAULT-VALUE})")
    Duration maxDuration;

    @Option(names = "--error-rate", defaultValue = "0.02", description = "API 500s (default ${DEFAULT-VALUE})")
    double errorRate;

    @Option(
            names = "--throttle-rate",
            defaultValue = "0.01",
            description = "API 429s with Retry-After " + "(default ${DEFAULT-VALUE})")
    double throttleRate;

    @Option(
            names = "--garbage-rate",
            defaultValue = "0.002",
            description = "API 200s with garbage bodies " + "(default ${DEFAULT-VALUE})")
    double garbageRate;

    @Option(
            names = "--crash-every",
            defaultValue = "50",
            description = "abandon every Nth worker invocation after "
                    + "its work, deleting nothing; 0 off (default ${DEFAULT-VALUE})")
    int crashEvery;

    @Option(
            names = "--duplicate-every",
            defaultValue = "97",
            description = "deliver every Nth worker batch twice; " + "0 off (default ${DEFAULT-VALUE})")
    int duplicateEvery;

    @Option(
            names = "--s3-fail-every",
            defaultValue = "40",
            description = "fail every Nth raw-log write, refused and "
                    + "stored-but-unconfirmed in turn; 0 off (default ${DEFAULT-VALUE})")
    int s3FailEvery;

    @Option(
            names = "--api-workers",
            defaultValue = "64",
            description = "simulated API capacity (default " + "${DEFAULT-VALUE})")
    int apiWorkers;

    @Option(
            names = "--api-latency-ms",
            defaultValue = "2",
            description = "simulated API latency (default " + "${DEFAULT-VALUE})")
    long apiLatencyMs;

    @Option(
            names = "--worker-concurrency",
            defaultValue = "4",
            description = "worker MaximumConcurrency (default " + "${DEFAULT-VALUE})")
    int workerConcurrency;

    @Option(
            names = "--worker-batch",
            defaultValue = "100",
            description = "worker batch size (default " + "${DEFAULT-VALUE})")
    int workerBatch;

    @Option(
            names = "--data-dir",
            description = "keep the run's S3 store and function logs here (default: a "
                    + "temporary directory, deleted afterwards)")
    Path dataDir;

    @Option(names = "--report-file", description = "also write the report as JSON")
    Path reportFile;

    @Spec
    CommandSpec spec;

    public static int run(String... args) {
        return new CommandLine(new SoakCommand()).execute(args);
    }

    /** Always exits, even after an Error: the embedded servers' threads would otherwise keep the JVM alive. */
    public static void main(String[] args) {
        int code = 1;
        try {
            code = run(args);
        } catch (Throwable t) {
            t.printStackTrace();
        } finally {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir =
                dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("offer-recorder-soak-");
        try {
            SoakReport report = soak(dir, err);
            out.println(report.summary());
            if (dataDir != null) {
                out.println("  data and function logs: " + dir);
            }
            if (reportFile != null) {
                Json.newMapper().writerWithDefaultPrettyPrinter().writeValue(reportFile.toFile(), report);
            }
            out.flush();
            return report.ok() ? 0 : 1;
        } finally {
            if (dataDir == null) {
                deleteTree(dir);
            }
        }
    }

    private void validate() {
        List<String> problems = new java.util.ArrayList<>();
        if (jobs < 1 || jobs > 5_000_000) {
            problems.add("--jobs must be 1..5000000");
        }
        if (days < 1 || days > 366) {
            problems.add("--days must be 1..366");
        }
        if (maxDuration.isNegative() || maxDuration.isZero() || maxDuration.compareTo(Duration.ofHours(24)) > 0) {
            problems.add("--max-duration must be more than 0 and at most 24h");
        }
        for (double rate : new double[] {errorRate, throttleRate, garbageRate}) {
            if (!(rate >= 0 && rate < 0.5)) {
                problems.add("fault rates must be in [0, 0.5), got " + rate);
            }
        }
        if (crashEvery < 0
                || duplicateEvery < 0
                || s3FailEvery < 0
                || (crashEvery > 0 && crashEvery < 3)
                || (s3FailEvery > 0 && s3FailEvery < 3)) {
            problems.add("--crash-every and --s3-fail-every must be 0 (off) or at least 3, --duplicate-every >= 0");
        }
        if (apiWorkers < 1 || apiLatencyMs < 0 || workerConcurrency < 1 || workerBatch < 1 || workerBatch > 10_000) {
            problems.add("--api-workers, --worker-concurrency >= 1, --api-latency-ms >= 0, --worker-batch 1..10000");
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
        }
    }

    SoakReport soak(Path dir, PrintWriter progress) throws Exception {
        int shops = (int) Math.ceilDiv(jobs, days);
        LocalDate last = FIRST_DATE.plusDays(days - 1);
        long deadline = System.nanoTime() + maxDuration.toNanos();
        String runId = "soak-" + System.currentTimeMillis();
        PipelineOptions options = PipelineOptions.defaults(dir)
                .withApi(apiWorkers, apiLatencyMs, apiLatencyMs / 2, 0.0)
                // The template's queues and receive counts; a 10 s worker timeout, so abandoned batches come back
                // within the run (visibility 6x, 60 s) and failed jobs after the retry delay.
                .withLayout(StackLayout.local())
                .withWorker(workerBatch, workerConcurrency, Duration.ofSeconds(10))
                .withWorkerEnv(Map.of(
                        "API_CALL_TIMEOUT_MS",
                        "2000",
                        "API_MAX_ATTEMPTS",
                        "3",
                        "API_BACKOFF_BASE_MS",
                        "20",
                        "API_BACKOFF_MAX_MS",
                        "500",
                        "WRITE_RESERVE_MS",
                        "1000",
                        "API_CONCURRENCY_CEILING",
                        "32"));

        Files.createDirectories(dir.resolve("logs"));
        PrintStream stdout = System.out;
        // The functions log JSON lines to stdout as in Lambda: to a file here, so the console shows progress.
        PrintStream functionLogs = new PrintStream(
                new BufferedOutputStream(
                        Files.newOutputStream(dir.resolve("logs").resolve("functions.log")), 1 << 16),
                false,
                StandardCharsets.UTF_8);
        HeapSampler heap = HeapSampler.start();
        System.setOut(functionLogs);
        try (S3FaultProxy proxy = S3FaultProxy.start();
                LocalPipeline pipeline = LocalPipeline.start(options, proxy::frontFor)) {
            CalcApiSimulator api = pipeline.api();
            api.setFaults(SimulatorFaults.none()
                    .withErrorRate(errorRate)
                    .withThrottleRate(throttleRate)
                    .withGarbageRate(garbageRate));
            proxy.setFaults(
                    S3Faults.puts(pipeline.stack().layout().rawBucket(), "raw/", s3FailEvery, S3Faults.Mode.ALTERNATE));
            InvocationFaults plan = InvocationFaults.none();
            if (crashEvery > 0) {
                plan = plan.or(InvocationFaults.everyNth("worker", crashEvery, Action.CRASH_AFTER_HANDLER));
            }
            if (duplicateEvery > 0) {
                plan = plan.or(InvocationFaults.everyNth("worker", duplicateEvery, Action.DELIVER_TWICE));
            }
            pipeline.runner().setInvocationFaults(plan);

            long started = System.nanoTime();
            progress.printf(
                    "soak: %d jobs (%d shops x %d days, run %s), faults: API 500 %.3f, 429 %.3f, garbage "
                            + "%.3f; crash every %d, twice every %d, S3 write fault every %d; bound %s%n",
                    (long) shops * days,
                    shops,
                    days,
                    runId,
                    errorRate,
                    throttleRate,
                    garbageRate,
                    crashEvery,
                    duplicateEvery,
                    s3FailEvery,
                    maxDuration);
            progress.flush();
            // Fan-out runs on its own thread: a single big slice enqueues synchronously for minutes, and the time
            // bound must hold while it does.
            String request = "{\"from\":\"" + FIRST_DATE + "\",\"to\":\"" + last + "\",\"shopRange\":{\"from\":1,"
                    + "\"to\":" + shops + "},\"runId\":\"" + runId + "\"}";
            CompletableFuture<JsonNode> planned = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("soak-fanout").start(() -> {
                try {
                    planned.complete(pipeline.invokeFanout(request));
                } catch (Throwable t) {
                    planned.completeExceptionally(t);
                }
            });

            boolean finished = false;
            while (!finished && System.nanoTime() < deadline) {
                Duration slice = Duration.ofNanos(
                        Math.min(Duration.ofSeconds(10).toNanos(), Math.max(1, deadline - System.nanoTime())));
                try {
                    if (!planned.isDone()) {
                        planned.get(slice.toNanos(), TimeUnit.NANOSECONDS);
                        continue;
                    }
                    planned.join();
                    pipeline.awaitQuiet(slice, p -> {});
                    finished = true;
                } catch (TimeoutException | IllegalStateException stillBusy) {
                    var p = pipeline.progress();
                    progress.printf(
                            "soak: %3.0f s  %squeued %d, in flight %d, DLQ %d, raw objects %d, API requests "
                                    + "%d, heap %d MB%n",
                            seconds(started),
                            planned.isDone() ? "" : "enqueuing, ",
                            p.jobsQueued(),
                            p.jobsInFlight(),
                            p.dlq(),
                            p.rawObjects(),
                            p.apiRequests(),
                            heap.currentMb());
                    progress.flush();
                }
            }
            long jobsIn = planned.isDone() ? planned.join().path("jobsPlanned").asLong() : (long) shops * days;

            JobLedger before = tableLedger(pipeline.tableDir(), shops);
            if (finished) {
                for (LocalDate d = FIRST_DATE; !d.isAfter(last); d = d.plusDays(1)) {
                    if (System.nanoTime() > deadline) {
                        finished = false;
                        break;
                    }
                    pipeline.invokeCompaction(d);
                }
            }
            JobLedger after = finished ? tableLedger(pipeline.tableDir(), shops) : before;
            JobLedger dlq = dlqLedger(pipeline, shops);
            double seconds = seconds(started);

            Map<String, Long> faults = new LinkedHashMap<>();
            var injected = api.faultCounts();
            faults.put("api 500", injected.errors());
            faults.put("api 429", injected.throttled());
            faults.put("api garbage", injected.garbage());
            faults.put("api 503 overload", api.stats().rejected());
            faults.put("api calls slowed by overload", api.overloadCounts().degraded());
            faults.put("api collapses", api.overloadCounts().collapses());
            faults.put("s3 write refused", proxy.stats().rejectedCalls());
            faults.put("s3 write unconfirmed", proxy.stats().lostCalls());
            Map<Action, Long> applied = pipeline.runner().faultsApplied();
            faults.put("worker crash after work", applied.getOrDefault(Action.CRASH_AFTER_HANDLER, 0L));
            faults.put("batch delivered twice", applied.getOrDefault(Action.DELIVER_TWICE, 0L));
            long lost = after.missingFromBoth(dlq);
            if (lost > 0 && finished) {
                progress.println("soak: lost jobs, e.g. " + after.sampleMissing(dlq, 10));
            }
            return new SoakReport(
                    finished,
                    jobsIn,
                    after.seen(),
                    dlq.seen(),
                    after.repeats(),
                    before.repeats(),
                    lost,
                    after.outside(),
                    pipeline.rawRecords(),
                    api.stats().requests(),
                    faults,
                    heap.peakMb(),
                    seconds);
        } finally {
            System.setOut(stdout);
            functionLogs.close();
            heap.stop();
        }
    }

    /** Every row of the table's Parquet files (one run, so shop and date identify the job). */
    private JobLedger tableLedger(Path tableDir, int shops) throws IOException {
        JobLedger ledger = new JobLedger(shops, days, FIRST_DATE);
        if (!Files.isDirectory(tableDir)) {
            return ledger;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(tableDir)) {
            files = walk.filter(p -> p.toString().endsWith(".parquet")).toList();
        }
        for (Path f : files) {
            try (CloseableIterator<OfferParquet.DedupKey> keys = OfferParquet.readKeys(f)) {
                while (keys.hasNext()) {
                    OfferParquet.DedupKey k = keys.next();
                    ledger.see(k.shopId(), k.targetDate());
                }
            }
        }
        return ledger;
    }

    /** Every message in the job DLQ, read without deleting (hidden for the rest of the run). */
    private JobLedger dlqLedger(LocalPipeline pipeline, int shops) {
        JobLedger ledger = new JobLedger(shops, days, FIRST_DATE);
        JobCodec codec = new JobCodec();
        String url = pipeline.stack().url(pipeline.stack().layout().jobDlq());
        for (int round = 0; round < 1_000_000; round++) {
            List<Message> got = pipeline.stack()
                    .sqs()
                    .receiveMessage(r -> r.queueUrl(url)
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(600)
                            .waitTimeSeconds(0))
                    .messages();
            if (got.isEmpty()) {
                break;
            }
            for (Message m : got) {
                try {
                    Job job = codec.decode(m.body());
                    ledger.see(job.shopId(), job.date());
                } catch (InvalidJobException e) {
                    ledger.see("invalid", FIRST_DATE);
                }
            }
        }
        return ledger;
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("soak: could not delete " + dir + ": " + e);
        }
    }

    /** Samples heap use every 100 ms on a daemon thread; the peak is what the run needed at most. */
    static final class HeapSampler {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong current = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;

        private HeapSampler() {
            var memory = ManagementFactory.getMemoryMXBean();
            this.thread = Thread.ofPlatform().daemon().name("soak-heap-sampler").start(() -> {
                while (running) {
                    long used = memory.getHeapMemoryUsage().getUsed();
                    current.set(used);
                    peak.accumulateAndGet(used, Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        static HeapSampler start() {
            return new HeapSampler();
        }

        long peakMb() {
            return peak.get() / (1024 * 1024);
        }

        long currentMb() {
            return current.get() / (1024 * 1024);
        }

        void stop() {
            running = false;
            thread.interrupt();
        }
    }
}
