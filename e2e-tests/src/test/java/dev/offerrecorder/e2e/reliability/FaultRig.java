package dev.offerrecorder.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.local.pipeline.S3Routes;
import dev.offerrecorder.replay.ReplayHandler;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.S3FaultProxy;
import dev.offerrecorder.testkit.support.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * One fault scenario's pipeline: the whole local pipeline ({@link LocalPipeline}: simulator, embedded SQS and S3,
 * fan-out, workers, transform, compaction) with each function's S3 traffic going through its own
 * {@link S3FaultProxy} (workers, transform, compaction), a short job
 * visibility timeout and a small maxReceiveCount so redelivery and the DLQ play out in seconds, and a tap on the
 * worker's log for the reasons of what ends in the DLQ. It submits one backfill, waits for the pipeline to go
 * quiet, compacts the partitions and accounts for every job ({@link Reconciliation}).
 */
final class FaultRig implements AutoCloseable {
    static final LocalDate FROM = LocalDate.of(2024, 3, 1);
    static final LocalDate TO = LocalDate.of(2024, 3, 2);
    /** 990..1089: shop 997 is unknown to the API (404), so NOT_FOUND recordings are part of every run. */
    static final int FIRST_SHOP = 990;

    static final int SHOPS = 100;
    static final Duration QUIET_TIMEOUT = Duration.ofSeconds(90);

    /**
     * How a scenario's pipeline differs from the default: the job queue's maxReceiveCount, the worker's timeout (the
     * job queue's visibility is 6x it, as in the template) and environment. A failed job comes back after the
     * worker's retry delay (1, 2, 4 s); a crashed or timed-out invocation's batch after the visibility timeout.
     */
    record Settings(
            int maxReceiveCount, Duration workerTimeout, Duration transformTimeout, Map<String, String> workerEnv) {
        static Settings defaults() {
            return new Settings(3, Duration.ofMillis(1500), StackLayout.local().transformTimeout(), Map.of());
        }

        Settings withMaxReceiveCount(int newMaxReceiveCount) {
            return new Settings(newMaxReceiveCount, workerTimeout, transformTimeout, workerEnv);
        }

        Settings withWorkerTimeout(Duration timeout) {
            return new Settings(maxReceiveCount, timeout, transformTimeout, workerEnv);
        }

        /** The transform's timeout; its queue's visibility, hence a failed transform's return, is 6x it. */
        Settings withTransformTimeout(Duration timeout) {
            return new Settings(maxReceiveCount, workerTimeout, timeout, workerEnv);
        }

        Settings withWorkerEnv(Map<String, String> extra) {
            Map<String, String> merged = new HashMap<>(workerEnv);
            merged.putAll(extra);
            return new Settings(maxReceiveCount, workerTimeout, transformTimeout, merged);
        }
    }

    private final String scenario;
    private final String runId;
    private final WorkerLogTap tap;
    private final S3FaultProxy proxy;
    private final S3FaultProxy transformProxy;
    private final S3FaultProxy compactionProxy;
    private final LocalPipeline pipeline;
    private final ObjectMapper mapper = Json.newMapper();
    private final JobCodec codec = new JobCodec();
    private final List<Reconciliation> reports = new ArrayList<>();

    private FaultRig(String scenario, WorkerLogTap tap, List<S3FaultProxy> proxies, LocalPipeline pipeline) {
        this.scenario = scenario;
        this.runId = scenario;
        this.tap = tap;
        this.proxy = proxies.get(0);
        this.transformProxy = proxies.get(1);
        this.compactionProxy = proxies.get(2);
        this.pipeline = pipeline;
    }

    static FaultRig start(Path dir, String scenario, Settings settings) throws Exception {
        return start(dir, scenario, settings, UnaryOperator.identity());
    }

    /** As {@link #start(Path, String, Settings)}, with {@code more} applied last to the pipeline's options. */
    static FaultRig start(Path dir, String scenario, Settings settings, UnaryOperator<PipelineOptions> more)
            throws Exception {
        Job.requireId("runId", scenario);
        // Worker settings scaled to the short timeout: two attempts per invocation, a call timeout well inside
        // the invocation, so failing jobs come back to SQS quickly and often.
        Map<String, String> workerEnv = new HashMap<>(Map.of(
                "API_CALL_TIMEOUT_MS",
                "300",
                "API_MAX_ATTEMPTS",
                "2",
                "API_BACKOFF_BASE_MS",
                "20",
                "API_BACKOFF_MAX_MS",
                "1000",
                "WRITE_RESERVE_MS",
                "200",
                "API_CONCURRENCY_CEILING",
                "8"));
        workerEnv.putAll(settings.workerEnv());
        PipelineOptions options = PipelineOptions.defaults(dir)
                .withApi(16, 2, 1, 0.0)
                .withLayout(StackLayout.local()
                        .withMaxReceiveCount(settings.maxReceiveCount())
                        .withTransformTimeout(settings.transformTimeout()))
                .withWorker(10, 2, settings.workerTimeout())
                .withWorkerEnv(workerEnv);
        options = more.apply(options);
        WorkerLogTap tap = WorkerLogTap.install();
        List<S3FaultProxy> proxies = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                proxies.add(S3FaultProxy.start());
            }
            S3Routes routes =
                    new S3Routes(proxies.get(0)::frontFor, proxies.get(1)::frontFor, proxies.get(2)::frontFor);
            LocalPipeline pipeline = LocalPipeline.start(options, routes);
            return new FaultRig(scenario, tap, proxies, pipeline);
        } catch (Exception e) {
            proxies.forEach(S3FaultProxy::close);
            tap.close();
            throw e;
        }
    }

    LocalPipeline pipeline() {
        return pipeline;
    }

    /** In front of S3 for the workers. */
    S3FaultProxy proxy() {
        return proxy;
    }

    /** In front of S3 for the transform function. */
    S3FaultProxy transformProxy() {
        return transformProxy;
    }

    /** In front of S3 for the compaction function (both its per-date and its marked-partitions runs). */
    S3FaultProxy compactionProxy() {
        return compactionProxy;
    }

    WorkerLogTap tap() {
        return tap;
    }

    String runId() {
        return runId;
    }

    List<Reconciliation> reports() {
        return List.copyOf(reports);
    }

    /** The scenario's backfill request: every shop of the range on every date, under the scenario's run ID. */
    String backfillRequest() {
        return "{\"from\":\"" + FROM + "\",\"to\":\"" + TO + "\",\"shopRange\":{\"from\":" + FIRST_SHOP + ",\"to\":"
                + (FIRST_SHOP + SHOPS - 1) + "},\"runId\":\"" + runId + "\"}";
    }

    /** Submits the backfill through the fan-out function and checks it enqueued every job. */
    JsonNode submitBackfill() throws Exception {
        JsonNode summary = pipeline.invokeFanout(backfillRequest());
        assertEquals(
                expectedJobs().size(),
                summary.path("jobsEnqueued").asLong(),
                "fan-out must enqueue every job: " + summary);
        return summary;
    }

    Set<String> expectedJobs() {
        Set<String> jobs = new LinkedHashSet<>();
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            for (int s = FIRST_SHOP; s < FIRST_SHOP + SHOPS; s++) {
                jobs.add(runId + "|" + s + "|" + d);
            }
        }
        return jobs;
    }

    /**
     * Waits for the pipeline to go quiet, compacts every partition of the run, and accounts for every job.
     *
     * @param noLoggedReason the DLQ reason for a job the worker never logged a failure for, when the scenario makes
     *                       that possible (a crashed invocation fails nothing); null when every DLQ job must have one
     */
    Reconciliation settle(String stage, String noLoggedReason) throws Exception {
        pipeline.awaitQuiet(QUIET_TIMEOUT, p -> {});
        Map<String, Long> before = tableCounts();
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            JsonNode result = pipeline.invokeCompaction(d);
            assertTrue(
                    result.has("rowsOut") || result.path("skipped").asBoolean(),
                    "compaction of " + d + " answered " + result);
        }
        Map<String, Long> after = tableCounts();
        Map<String, String> dlq = dlqJobs(noLoggedReason);
        Set<String> expected = expectedJobs();

        long recorded = 0;
        long inDlq = 0;
        long both = 0;
        List<String> lost = new ArrayList<>();
        for (String job : expected) {
            boolean isRecorded = after.getOrDefault(job, 0L) > 0;
            boolean isParked = dlq.containsKey(job);
            recorded += isRecorded ? 1 : 0;
            inDlq += isParked ? 1 : 0;
            both += isRecorded && isParked ? 1 : 0;
            if (!isRecorded && !isParked) {
                lost.add(job);
            }
        }
        Map<String, Long> reasons = new TreeMap<>();
        dlq.forEach((job, reason) -> reasons.merge(reason, 1L, Long::sum));
        long unexpected = Stream.concat(after.keySet().stream(), dlq.keySet().stream())
                .filter(k -> !expected.contains(k))
                .distinct()
                .count();
        Set<String> quarantined = quarantinedJobs();
        long lostToQuarantine = lost.stream().filter(quarantined::contains).count();
        var r = new Reconciliation(
                scenario,
                stage,
                expected.size(),
                recorded,
                inDlq,
                both,
                duplicates(after),
                duplicates(before),
                lost.size(),
                lostToQuarantine,
                unexpected,
                reasons,
                lost.stream().limit(5).toList());
        System.out.println(r.line());
        reports.add(r);
        return r;
    }

    /** Every job accounted for: none lost, none twice in the table, none unasked for, every DLQ job with a reason. */
    static void assertAccountedFor(Reconciliation r) {
        assertEquals(
                0,
                r.lost(),
                r.scenario() + ": jobs lost (neither recorded nor in the DLQ), e.g. " + r.lostSample() + " -- "
                        + r.line());
        assertEquals(
                0, r.duplicates(), r.scenario() + ": jobs recorded more than once after compaction -- " + r.line());
        assertEquals(
                0, r.unexpected(), r.scenario() + ": rows or DLQ messages for jobs never asked for -- " + r.line());
        assertTrue(
                r.dlqReasons().keySet().stream().noneMatch(k -> k.startsWith(NO_REASON)),
                r.scenario() + ": a DLQ job without a reason from the worker -- " + r.line());
    }

    static final String NO_REASON = "NO REASON LOGGED";

    /**
     * Replays the job DLQ with the replay function (faults must be off by now), waits until it is empty and the
     * pipeline quiet, then settles again: everything must be recorded, once.
     */
    Reconciliation replayDlqAndSettle(String noLoggedReason) throws Exception {
        var layout = pipeline.stack().layout();
        var replay = new ReplayHandler(pipeline.stack().replayEnv().with("API_CAPACITY_RPS", "500"));
        JsonNode started = mapper.readTree(LambdaRunner.invokeDirect(
                replay, "replay", "{\"action\":\"start\",\"maxPerSecond\":500}", Duration.ofMinutes(1)));
        long deadline = System.nanoTime() + QUIET_TIMEOUT.toNanos();
        while (pipeline.stack().depth(layout.jobDlq()).total() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "DLQ not drained by the replay within " + QUIET_TIMEOUT + ": " + started);
            }
            Thread.sleep(200);
        }
        return settle("after replay", noLoggedReason);
    }

    /** Rows per job of this run in the table, read from the Parquet files with DuckDB. */
    Map<String, Long> tableCounts() throws Exception {
        Map<String, Long> counts = new HashMap<>();
        Path table = pipeline.tableDir();
        boolean any;
        try (Stream<Path> files = Files.exists(table) ? Files.walk(table) : Stream.empty()) {
            any = files.anyMatch(p -> p.toString().endsWith(".parquet"));
        }
        if (!any) {
            return counts;
        }
        for (Map<String, Object> row : Table.query(
                table,
                "SELECT run_id, shop_id, CAST(target_date AS VARCHAR) AS d, "
                        + "count(*) AS n FROM {table} GROUP BY run_id, shop_id, target_date")) {
            counts.put(
                    row.get("run_id") + "|" + row.get("shop_id") + "|" + row.get("d"),
                    ((Number) row.get("n")).longValue());
        }
        return counts;
    }

    /** Rows for one outcome, per job. */
    Map<String, Long> rowsWithOutcome(String outcome) throws Exception {
        Map<String, Long> counts = new HashMap<>();
        for (Map<String, Object> row : Table.query(
                pipeline.tableDir(),
                "SELECT run_id, shop_id, "
                        + "CAST(target_date AS VARCHAR) AS d, count(*) AS n FROM {table} WHERE outcome = '" + outcome
                        + "' GROUP BY run_id, shop_id, target_date")) {
            counts.put(
                    row.get("run_id") + "|" + row.get("shop_id") + "|" + row.get("d"),
                    ((Number) row.get("n")).longValue());
        }
        return counts;
    }

    /** Jobs whose raw-log line the transform quarantined (its quarantine objects keep the raw line). */
    private Set<String> quarantinedJobs() throws Exception {
        var s3 = pipeline.stack().s3();
        String bucket = pipeline.stack().layout().platformBucket();
        Set<String> jobs = new java.util.HashSet<>();
        for (var o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("quarantine/"))
                .contents()) {
            String text =
                    s3.getObjectAsBytes(r -> r.bucket(bucket).key(o.key())).asUtf8String();
            for (String line : text.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode raw;
                try {
                    raw = mapper.readTree(mapper.readTree(line).path("raw").asText(""));
                } catch (Exception e) {
                    continue;
                }
                if (raw != null) {
                    jobs.add(raw.path("runId").asText() + "|"
                            + raw.path("shopId").asText() + "|"
                            + raw.path("targetDate").asText());
                }
            }
        }
        return jobs;
    }

    private static long duplicates(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(n -> Math.max(0, n - 1)).sum();
    }

    /**
     * Every message in the job DLQ, by job, with its reason. Read without deleting: each message is hidden while
     * the whole queue is read, then made visible again for a replay.
     */
    private Map<String, String> dlqJobs(String noLoggedReason) {
        var sqs = pipeline.stack().sqs();
        String url = pipeline.stack().url(pipeline.stack().layout().jobDlq());
        List<Message> seen = new ArrayList<>();
        for (int round = 0; round < 1_000; round++) {
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(url)
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(30)
                            .waitTimeSeconds(0))
                    .messages();
            if (got.isEmpty()) {
                break;
            }
            seen.addAll(got);
        }
        for (int i = 0; i < seen.size(); i += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (Message m : seen.subList(i, Math.min(seen.size(), i + 10))) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .receiptHandle(m.receiptHandle())
                        .visibilityTimeout(0)
                        .build());
            }
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(entries));
        }
        Map<String, String> jobs = new HashMap<>();
        for (Message m : seen) {
            try {
                Job job = codec.decode(m.body());
                String key = job.key();
                String reason =
                        tap.reasonFor(key).orElse(noLoggedReason != null ? noLoggedReason : NO_REASON + " for " + key);
                jobs.put(key, reason);
            } catch (InvalidJobException e) {
                jobs.put("invalid:" + m.messageId(), "invalid message: " + e.getMessage());
            }
        }
        return jobs;
    }

    @Override
    public void close() {
        try {
            pipeline.close();
        } finally {
            try {
                proxy.close();
                transformProxy.close();
                compactionProxy.close();
            } finally {
                tap.close();
            }
        }
    }
}
