package dev.offerrecorder.local.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.fanout.SliceHandler;
import dev.offerrecorder.operator.ops.ParquetFooter;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.runner.S3NotificationBridge;
import dev.offerrecorder.testkit.runner.SqsEventSource;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.transform.CompactionHandler;
import dev.offerrecorder.transform.TransformHandler;
import dev.offerrecorder.worker.WorkerHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The whole pipeline on one machine: the simulator, the embedded stack, and the four functions wired as
 * template.yaml wires them (fan-out and worker and transform behind their queues, raw-log notifications into
 * the transform queue), each function reaching S3 where its {@link S3Routes} says. Used by {@code ./recorder demo}, the end-to-end tests and the benchmarks.
 */
public final class LocalPipeline implements AutoCloseable {
    private final PipelineOptions options;
    private final CalcApiSimulator api;
    private final EmbeddedStack stack;
    private final LambdaRunner runner;
    private final FanoutHandler fanout;
    private final S3NotificationBridge notifications;
    private final ObjectMapper mapper = Json.newMapper();
    private final Env compactionEnv;

    private LocalPipeline(PipelineOptions options, CalcApiSimulator api, EmbeddedStack stack, S3Routes routes)
            throws IOException {
        this.options = options;
        this.api = api;
        this.stack = stack;
        var layout = stack.layout();
        this.runner = new LambdaRunner(stack.sqs(), "us-east-1");
        Env fanoutEnv = stack.fanoutEnv().with(options.fanoutEnv());
        this.fanout = new FanoutHandler(fanoutEnv);
        Env workerEnv = workerEnv(stack, api, options);
        URI s3 = stack.aws().s3Endpoint();
        Env finalWorkerEnv = routed(workerEnv, s3, routes.worker());
        Path work = Files.createDirectories(options.dataDir().resolve("work"));
        Env transformEnv = routed(stack.transformEnv(work), s3, routes.transform());
        this.compactionEnv = routed(
                stack.baseEnv().with("PLATFORM_BUCKET", layout.platformBucket()).with("WORK_DIR", work.toString()),
                s3,
                routes.compaction());

        runner.start(new SqsEventSource(
                "fanout",
                stack.url(layout.fanoutQueue()),
                stack.arn(stack.url(layout.fanoutQueue())),
                1,
                Duration.ZERO,
                2,
                layout.fanoutTimeout(),
                () -> new SliceHandler(fanoutEnv)));
        runner.start(new SqsEventSource(
                "worker",
                stack.url(layout.jobQueue()),
                stack.arn(stack.url(layout.jobQueue())),
                options.workerBatchSize(),
                options.workerBatchWindow(),
                options.workerConcurrency(),
                layout.workerTimeout(),
                () -> new WorkerHandler(finalWorkerEnv)));
        runner.start(new SqsEventSource(
                "transform",
                stack.url(layout.transformQueue()),
                stack.arn(stack.url(layout.transformQueue())),
                StackLayout.TRANSFORM_BATCH_SIZE,
                StackLayout.TRANSFORM_BATCH_WINDOW,
                2,
                layout.transformTimeout(),
                () -> new TransformHandler(transformEnv)));
        this.notifications = new S3NotificationBridge(
                stack.s3(), stack.sqs(), layout.rawBucket(), RawLogKeys.PREFIX, stack.url(layout.transformQueue()));
        runner.startLoop("s3-notifications", notifications, Duration.ofMillis(250));
    }

    /**
     * The worker's environment as the template would give it: each container told the API's capacity (the
     * simulator's ceiling W / L, unless the options' worker environment says otherwise) and how many containers may
     * run (the event source's MaximumConcurrency). A blank {@code API_CAPACITY_RPS} turns pacing off.
     */
    static Env workerEnv(EmbeddedStack stack, CalcApiSimulator api, PipelineOptions options) {
        String capacity = options.workerEnv().get("API_CAPACITY_RPS");
        boolean unpaced = (capacity != null && capacity.isBlank()) || Double.isInfinite(api.ceilingPerSecond());
        if (unpaced) {
            return stack.workerEnv(api.urlTemplate())
                    .with(options.workerEnv())
                    .with("API_CAPACITY_RPS", "")
                    .with("WORKER_MAX_CONCURRENCY", "");
        }
        return stack.workerEnv(api.urlTemplate(), api.ceilingPerSecond(), options.workerConcurrency())
                .with(options.workerEnv());
    }

    /** An environment whose S3 endpoint is {@code route.apply(s3)} when the route changes it. */
    private static Env routed(Env env, URI s3, UnaryOperator<URI> route) {
        URI target = route.apply(s3);
        return target.equals(s3) ? env : env.with("AWS_ENDPOINT_URL_S3", target.toString());
    }

    public static LocalPipeline start(PipelineOptions options) throws Exception {
        return start(options, S3Routes.direct());
    }

    /**
     * As {@link #start(PipelineOptions)}, but the workers reach S3 at {@code workerS3Endpoint.apply(s3)}: the hook
     * gets the embedded S3 endpoint and returns what the workers' {@code AWS_ENDPOINT_URL_S3} should be, such as a
     * fault-injecting proxy in front of it. Everything else (transform, compaction, tests) talks to S3 directly.
     */
    public static LocalPipeline start(PipelineOptions options, UnaryOperator<URI> workerS3Endpoint) throws Exception {
        return start(options, S3Routes.direct().withWorker(workerS3Endpoint));
    }

    /** As {@link #start(PipelineOptions)}, with each function reaching S3 where {@code routes} says. */
    public static LocalPipeline start(PipelineOptions options, S3Routes routes) throws Exception {
        Files.createDirectories(options.dataDir());
        CalcApiSimulator api = new CalcApiSimulator(
                options.apiWorkers(),
                options.apiQueueLimit(),
                options.apiLatencyMs(),
                options.apiJitterMs(),
                options.apiOverload());
        api.setFaults(dev.offerrecorder.testkit.sim.SimulatorFaults.none().withErrorRate(options.apiErrorRate()));
        try {
            EmbeddedStack stack = EmbeddedStack.start(options.dataDir(), options.layout());
            try {
                return new LocalPipeline(options, api, stack, routes);
            } catch (Exception | Error e) {
                // Errors too: ElasticMQ's threads are not daemons and would keep the JVM alive.
                stack.close();
                throw e;
            }
        } catch (Exception | Error e) {
            api.close();
            throw e;
        }
    }

    public CalcApiSimulator api() {
        return api;
    }

    public EmbeddedStack stack() {
        return stack;
    }

    public LambdaRunner runner() {
        return runner;
    }

    /** Invokes fan-out directly with a request (backfill JSON or a schedule event), as sam remote invoke does. */
    public JsonNode invokeFanout(String requestJson) throws Exception {
        return mapper.readTree(LambdaRunner.invokeDirect(fanout, "fanout", requestJson, Duration.ofMinutes(15)));
    }

    /** Invokes the compaction function directly for one partition, as its schedule or an operator would. */
    public JsonNode invokeCompaction(LocalDate date) throws Exception {
        var handler = new CompactionHandler(compactionEnv);
        return mapper.readTree(LambdaRunner.invokeDirect(
                handler, "compaction", "{\"date\":\"" + date + "\"}", Duration.ofMinutes(15)));
    }

    /**
     * Invokes the compaction function over every marked partition up to {@code upTo} (what its schedule does,
     * without the lag), returning its PendingCompaction.
     */
    public JsonNode invokePendingCompaction(LocalDate upTo) throws Exception {
        var handler = new CompactionHandler(compactionEnv);
        return mapper.readTree(LambdaRunner.invokeDirect(
                handler, "compaction", "{\"upTo\":\"" + upTo + "\"}", Duration.ofMinutes(15)));
    }

    /** The raw bucket's notification bridge, e.g. to make it deliver duplicates ({@link S3NotificationBridge#unkind}). */
    public S3NotificationBridge notifications() {
        return notifications;
    }

    public record Progress(
            long jobsQueued, long jobsInFlight, long dlq, long rawObjects, long transformQueued, long apiRequests) {}

    public Progress progress() {
        var layout = stack.layout();
        var jobs = stack.depth(layout.jobQueue());
        return new Progress(
                jobs.visible(),
                jobs.inFlight(),
                stack.depth(layout.jobDlq()).total(),
                notifications.notified(),
                stack.depth(layout.transformQueue()).total(),
                api.stats().requests());
    }

    /**
     * Waits until every queue is empty, nothing runs, and every raw object has been handed to transform, for
     * three checks in a row; the work is then done (or parked in a DLQ).
     *
     * @return System.nanoTime() when the pipeline first went quiet: the end of the recording
     */
    public long awaitQuiet(Duration timeout, Consumer<Progress> onProgress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        var layout = stack.layout();
        int quiet = 0;
        long quietSince = System.nanoTime();
        while (quiet < 3) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pipeline still busy after " + timeout + ": " + progress());
            }
            Thread.sleep(300);
            notifications.run();
            Progress p = progress();
            onProgress.accept(p);
            boolean empty = stack.depth(layout.fanoutQueue()).total() == 0
                    && p.jobsQueued() == 0
                    && p.jobsInFlight() == 0
                    && p.transformQueued() == 0
                    && runner.idle();
            if (empty && quiet == 0) {
                quietSince = System.nanoTime();
            }
            quiet = empty ? quiet + 1 : 0;
        }
        return quietSince;
    }

    /** Raw-log lines written to the recording bucket. */
    public long rawRecords() throws IOException {
        long lines = 0;
        for (S3Object o : stack.s3()
                .listObjectsV2Paginator(
                        r -> r.bucket(stack.layout().rawBucket()).prefix(RawLogKeys.PREFIX))
                .contents()) {
            try (var in = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(stack.s3()
                            .getObject(r -> r.bucket(stack.layout().rawBucket()).key(o.key()))),
                    StandardCharsets.UTF_8))) {
                while (in.readLine() != null) {
                    lines++;
                }
            }
        }
        return lines;
    }

    /** The table's directory on disk: the S3Proxy filesystem store, or a download from an external endpoint. */
    public Path tableDir() {
        try {
            return stack.localCopy(stack.layout().platformBucket(), TableKeys.TABLE_PREFIX);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the table to local disk", e);
        }
    }

    /** Rows across every Parquet file of the table, read from the files' footers. */
    public long parquetRows() throws IOException {
        Path table = tableDir();
        if (!Files.isDirectory(table)) {
            return 0;
        }
        long rows = 0;
        try (Stream<Path> files = Files.walk(table)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                rows += footerRows(f);
            }
        }
        return rows;
    }

    public long dlqDepth() {
        return stack.depth(stack.layout().jobDlq()).total();
    }

    @Override
    public void close() {
        try {
            runner.close();
        } finally {
            try {
                stack.close();
            } finally {
                api.close();
            }
        }
    }

    /** A local Parquet file's row count, from its footer. */
    private static long footerRows(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            byte[] tail = new byte[ParquetFooter.TAIL];
            raf.seek(size - ParquetFooter.TAIL);
            raf.readFully(tail);
            long footerLength =
                    ParquetFooter.length(tail).orElseThrow(() -> new IOException(file + " is not a Parquet file"));
            byte[] footer = new byte[(int) footerLength];
            raf.seek(size - ParquetFooter.TAIL - footerLength);
            raf.readFully(footer);
            return ParquetFooter.rows(footer);
        }
    }
}
