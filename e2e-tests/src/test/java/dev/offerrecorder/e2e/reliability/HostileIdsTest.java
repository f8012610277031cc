package dev.offerrecorder.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.shared.run.RunManifest;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.support.RawLogs;
import dev.offerrecorder.transform.TransformResult;
import dev.offerrecorder.transform.TransformService;
import dev.offerrecorder.worker.BatchResult;
import dev.offerrecorder.worker.JobMessage;
import dev.offerrecorder.worker.WorkerConfig;
import dev.offerrecorder.worker.WorkerService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Shop IDs, run IDs and dates are validated before they can reach a URL or an S3 key: hostile values (path
 * traversal, percent-encoded tricks, very long, unicode look-alikes, control characters and NUL, header and query
 * injection, template placeholders) are refused at every door they can come through (job bodies, the fan-out
 * request, manifest rows, raw-log lines), and the values that are valid arrive on the wire and in keys exactly
 * as themselves. The template's own security checks are the template tests (TemplateSecurityTest,
 * TemplateMutationTest).
 */
@WithEmbeddedStack
class HostileIdsTest {
    /** Never an ID: each must be refused wherever an ID is read. */
    static final List<String> HOSTILE = List.of(
            ".",
            "..",
            "../",
            "../../etc/passwd",
            "..\\..\\windows\\win.ini",
            "/",
            "/abs",
            "a/b",
            "a\\b",
            "%2F",
            "%2e%2e%2f",
            "..%2F..%2Fraw",
            "%252F",
            "%00",
            "%0d%0aX-Injected:%201",
            "a\u0000b",
            "\u0000",
            "a b",
            "a\tb",
            "a\nb",
            "a\r\nX-Injected: 1",
            "a?date=1999-01-01",
            "a#fragment",
            "a&date=1",
            "a=b",
            "a;b",
            "a,b",
            "a'b",
            "a\"b",
            "a:b",
            "a@b",
            "~root",
            "{shopId}",
            "{date}",
            "${jndi:ldap://127.0.0.1/x}",
            "$(id)",
            "`id`",
            "<script>",
            "a.b",
            "ｓｈｏｐ１",
            "١٢٣",
            "\uD835\uDFD9\uD835\uDFDA",
            "1001\u200b",
            "\uFEFF1001",
            "é",
            "\u212A",
            "İ",
            "dt=2024-01-01",
            "run=x/part-0",
            "raw/dt=2024-01-01/run=x/part-0.jsonl.gz",
            "x".repeat(65),
            "x".repeat(100_000));

    /** Valid at the edges of the rule (1-64 of A-Z a-z 0-9 - _): must pass through unchanged. */
    static final List<String> EDGE_VALID =
            List.of("0", "-", "_", "--", "-_-", "a-b_C9", "X".repeat(64), "0000000001001");

    static final List<String> HOSTILE_DATES = List.of(
            "2024-01-01/../x",
            "../2024-01-01",
            "2024-01-01%2F",
            "2024-1-1",
            "24-01-01",
            "+2024-01-01",
            "２０２４-０１-０１",
            "2024-01-01\u0000",
            " 2024-01-01",
            "2024-01-01 ",
            "2024-02-30",
            "2024-01-01T00:00",
            "1999-12-31",
            "2101-01-01",
            "+12024-01-01",
            "-2024-01-01",
            "0000-01-01",
            "");

    static final Pattern RAW_KEY =
            Pattern.compile("raw/dt=\\d{4}-\\d{2}-\\d{2}/run=[A-Za-z0-9_-]{1,64}/part-[0-9a-f]{24}\\.jsonl\\.gz");
    static final Pattern TABLE_KEY =
            Pattern.compile("offer_recordings/dt=\\d{4}-\\d{2}-\\d{2}/(part|compacted)-[0-9a-f]{16}(-\\d+)?\\.parquet");

    @TempDir
    static Path dir;

    static EmbeddedStack stack;
    static CalcApiSimulator api;
    final ObjectMapper mapper = Json.newMapper();
    final JobCodec codec = new JobCodec();

    @BeforeAll
    static void start() throws Exception {
        api = new CalcApiSimulator(8, 64, 1, 0);
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static String show(String id) {
        String s = id.length() > 30 ? id.substring(0, 30) + "...(" + id.length() + " chars)" : id;
        return s.chars()
                .mapToObj(c -> c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : Character.toString(c))
                .collect(Collectors.joining());
    }

    @Test
    void aJobCannotBeMadeOfAHostileIdOrDate() {
        LocalDate d = LocalDate.of(2024, 1, 1);
        for (String id : HOSTILE) {
            assertFalse(Job.isValidId(id), show(id));
            assertThrows(InvalidJobException.class, () -> new Job(id, "1001", d), "runId " + show(id));
            assertThrows(InvalidJobException.class, () -> new Job("run", id, d), "shopId " + show(id));
        }
        for (String id : EDGE_VALID) {
            assertEquals(id, new Job(id, id, d).shopId(), "valid edge " + id);
        }
        assertThrows(InvalidJobException.class, () -> new Job("run", "1", LocalDate.of(1999, 12, 31)));
        assertThrows(InvalidJobException.class, () -> new Job("run", "1", LocalDate.of(2101, 1, 1)));
    }

    @Test
    void jobBodiesWithHostileIdsOrDatesAreRefused() {
        for (String id : HOSTILE) {
            for (String field : List.of("runId", "shopId")) {
                ObjectNode body = mapper.createObjectNode()
                        .put("v", 1)
                        .put("runId", "run")
                        .put("shopId", "1001")
                        .put("date", "2024-01-01");
                body.put(field, id);
                assertThrows(InvalidJobException.class, () -> codec.decode(body.toString()), field + " " + show(id));
            }
        }
        for (String date : HOSTILE_DATES) {
            String body = mapper.createObjectNode()
                    .put("runId", "run")
                    .put("shopId", "1001")
                    .put("date", date)
                    .toString();
            assertThrows(InvalidJobException.class, () -> codec.decode(body), "date " + show(date));
        }
    }

    @Test
    void rawLogKeysRefuseHostileRunIdsAndStayInsideTheirPrefix() {
        LocalDate d = LocalDate.of(2024, 1, 1);
        for (String id : HOSTILE) {
            assertThrows(
                    InvalidJobException.class, () -> RawLogKeys.key(id, d, List.of(new Job("r", "1", d))), show(id));
        }
        for (String id : EDGE_VALID) {
            String key = RawLogKeys.key(id, d, List.of(new Job(id, id, d), new Job(id, "1", d)));
            assertTrue(RAW_KEY.matcher(key).matches(), key);
            assertEquals(key, Path.of(key).normalize().toString(), "no '.' or '..' segment in " + key);
            assertTrue(key.startsWith("raw/dt=2024-01-01/run=" + id + "/part-"), key);
        }
    }

    @Test
    void theFanOutRequestRefusesHostileRunIdsAndSkipsHostileShopIds() throws Exception {
        FanoutHandler fanout = new FanoutHandler(stack.fanoutEnv());
        for (String id : HOSTILE) {
            ObjectNode request = backfill("2024-01-01").put("runId", id);
            request.putArray("shopIds").add("1001");
            Exception e = assertThrows(Exception.class, () -> invoke(fanout, request.toString()), show(id));
            assertTrue(e.getMessage().contains("runId"), show(id) + ": " + e.getMessage());
        }
        for (String date : HOSTILE_DATES) {
            ObjectNode request = backfill(date);
            request.putArray("shopIds").add("1001");
            assertThrows(Exception.class, () -> invoke(fanout, request.toString()), "from " + show(date));
        }
        // Hostile shop IDs among valid ones: skipped and reported, one per entry; the valid ones planned.
        ObjectNode request = backfill("2024-01-01").put("runId", "hostile-list");
        var ids = request.putArray("shopIds");
        HOSTILE.stream().filter(id -> !id.isBlank()).forEach(ids::add);
        EDGE_VALID.forEach(ids::add);
        JsonNode summary = mapper.readTree(invoke(fanout, request.toString()));
        assertEquals(EDGE_VALID.size(), summary.path("shops").asLong(), summary.toString());
        assertEquals(HOSTILE.size(), summary.path("badRows").asLong(), "every hostile ID is a bad row");
        List<Job> queued = drainJobQueue();
        assertEquals(EDGE_VALID.size(), queued.size(), "one job per valid shop, none for a hostile one");
        assertEquals(new HashSet<>(EDGE_VALID), queued.stream().map(Job::shopId).collect(Collectors.toSet()));
    }

    @Test
    void manifestRowsWithHostileIdsAreSkippedAndNeverEnqueued() throws Exception {
        FanoutHandler fanout = new FanoutHandler(stack.fanoutEnv());
        String bucket = stack.layout().rawBucket();
        var csv = new StringBuilder("shop_id,note\n");
        var jsonl = new StringBuilder();
        for (String id : HOSTILE) {
            csv.append('"').append(id.replace("\"", "\"\"")).append("\",hostile\n");
            jsonl.append(mapper.createObjectNode().put("shop_id", id)).append('\n');
        }
        for (String id : EDGE_VALID) {
            csv.append(id).append(",valid\n");
            jsonl.append(mapper.createObjectNode().put("shop_id", id)).append('\n');
        }
        for (var manifest : List.of(
                List.of("manifests/hostile.csv", csv.toString()),
                List.of("manifests/hostile.jsonl", jsonl.toString()))) {
            stack.s3().putObject(r -> r.bucket(bucket).key(manifest.get(0)), RequestBody.fromString(manifest.get(1)));
            ObjectNode request = backfill("2024-01-01")
                    .put("runId", "hostile-manifest")
                    .put("manifest", "s3://" + bucket + "/" + manifest.get(0));
            JsonNode summary = mapper.readTree(invoke(fanout, request.toString()));
            assertEquals(EDGE_VALID.size(), summary.path("shops").asLong(), manifest.get(0) + ": " + summary);
            assertTrue(summary.path("badRows").asLong() >= HOSTILE.size(), manifest.get(0) + ": " + summary);
            List<Job> queued = drainJobQueue();
            assertEquals(
                    new HashSet<>(EDGE_VALID),
                    queued.stream().map(Job::shopId).collect(Collectors.toSet()),
                    manifest.get(0) + ": only valid shops are enqueued");
            assertEquals(EDGE_VALID.size(), queued.size(), manifest.get(0));
        }
    }

    /**
     * {@code CalcApiClient.urlFor} through the worker: a hostile job body never becomes a request, and every valid
     * ID reaches the API as one path segment, unchanged, with the date as the only query parameter; every raw-log
     * key is inside its prefix.
     */
    @Test
    void onlyValidIdsReachTheApiAndTheyArriveUnchanged() throws Exception {
        LocalDate date = LocalDate.of(2024, 5, 1);
        WorkerService worker = WorkerService.create(
                WorkerConfig.from(stack.workerEnv(api.urlTemplate())), stack.s3(), Optional.empty(), quietLog());
        List<JobMessage> batch = new ArrayList<>();
        int n = 0;
        for (String id : HOSTILE) {
            ObjectNode body = mapper.createObjectNode()
                    .put("v", 1)
                    .put("runId", "hostile-worker")
                    .put("shopId", id)
                    .put("date", date.toString());
            batch.add(new JobMessage("hostile-" + n++, body.toString()));
            ObjectNode run = body.deepCopy().put("runId", id).put("shopId", "1001");
            batch.add(new JobMessage("hostile-" + n++, run.toString()));
        }
        for (String id : EDGE_VALID) {
            batch.add(new JobMessage("valid-" + id, codec.encode(new Job("hostile-worker", id, date))));
        }
        int before = api.recentRequestTargets().size();
        BatchResult result = worker.process(batch, () -> 60_000);
        assertEquals(2 * HOSTILE.size(), result.failedMessageIds().size(), "every hostile message fails alone");
        assertTrue(result.failedMessageIds().stream().allMatch(m -> m.startsWith("hostile-")));

        List<String> targets = api.recentRequestTargets();
        Set<String> sent = new HashSet<>(targets.subList(before, targets.size()));
        Set<String> expected = EDGE_VALID.stream()
                .map(id -> "/v1/shops/" + id + "/offer?date=" + date)
                .collect(Collectors.toSet());
        assertEquals(expected, sent, "exactly the valid IDs, each as one path segment");

        URI base = api.baseUri();
        for (JsonNode record : RawLogs.readAll(stack.s3(), stack.layout().rawBucket())) {
            if (!"hostile-worker".equals(record.path("runId").asText())) {
                continue;
            }
            URI url = URI.create(record.path("requestUrl").asText());
            assertEquals(base.getHost(), url.getHost());
            assertEquals(base.getPort(), url.getPort());
            assertEquals("/v1/shops/" + record.path("shopId").asText() + "/offer", url.getRawPath());
            assertEquals("date=" + date, url.getRawQuery());
        }
        for (var o : stack.s3()
                .listObjectsV2Paginator(
                        r -> r.bucket(stack.layout().rawBucket()).prefix(""))
                .contents()) {
            assertTrue(
                    o.key().startsWith("manifests/")
                            || RAW_KEY.matcher(o.key()).matches()
                            // the fan-out's run plans, named by a valid run ID only
                            || o.key().matches(RunManifest.PREFIX + "[A-Za-z0-9_-]{1,64}\\.json")
                            // what the worker saw of the API, per run: named by a valid run ID only
                            || o.key().matches("api-observations/run=[A-Za-z0-9_-]{1,64}/[0-9]+-[0-9a-f-]{36}\\.json"),
                    "raw bucket key " + o.key());
        }
    }

    /** Raw-log lines carrying hostile IDs never become rows, so never a partition key or a table value. */
    @Test
    void rawLinesWithHostileIdsAreQuarantinedNotPartitioned() throws Exception {
        var lines = new StringBuilder();
        for (String id : HOSTILE) {
            lines.append(rawLine("2024-06-01").put("shopId", id)).append('\n');
            lines.append(rawLine("2024-06-01").put("runId", id)).append('\n');
        }
        TransformResult result = transform("part-000000000000000000000001", lines.toString(), "hostile-ids");
        assertEquals(0, result.rowsOut(), "no hostile line may become a row: " + result);
        assertEquals(2L * HOSTILE.size(), result.quarantined(), result.toString());
        assertPlatformKeysInShape("hostile-ids");
    }

    /**
     * A raw line's target date names the partition its row goes to, so it is held to the range every job is
     * (2000-01-01..2100-12-31), not only parsed as a date. (Until 9975aa2 any LocalDate named a partition.)
     */
    @Test
    void rawLinesWithDatesOutsideTheJobRangeNameNoPartition() throws Exception {
        List<String> outOfRange = List.of("1999-12-31", "2101-01-01", "0000-01-01", "-2024-01-01", "+12024-01-01");
        var lines = new StringBuilder();
        for (String date : outOfRange) {
            lines.append(rawLine(date)).append('\n');
        }
        TransformResult result = transform("part-000000000000000000000002", lines.toString(), "hostile-dates");
        assertEquals(
                List.of(),
                result.outputs(),
                "raw lines dated outside 2000-01-01..2100-12-31 (the range Job "
                        + "enforces) must name no partition: one dt=+12024-01-01 turns DuckDB's hive column dt from DATE into "
                        + "VARCHAR for the whole table, and every dt = DATE '...' filter then fails");
        assertEquals(outOfRange.size(), result.quarantined(), result.toString());
        assertPlatformKeysInShape("hostile-dates");
    }

    /** A raw-log line as the worker writes one, for shop 1001 of run hostile-raw, with this target date. */
    private ObjectNode rawLine(String targetDate) throws Exception {
        ObjectNode line = (ObjectNode) mapper.readTree(new RawLogCodec()
                .line(new RawRecord(
                        1,
                        "hostile-raw",
                        "1001",
                        LocalDate.of(2024, 6, 1),
                        "http://127.0.0.1/",
                        200,
                        Outcome.OK,
                        1,
                        1,
                        CalcApiSimulator.body("1001", "2024-06-01"),
                        Instant.parse("2024-06-02T00:00:00Z"),
                        "m",
                        null)));
        return line.put("targetDate", targetDate);
    }

    /** Puts one gzip raw object under run=hostile-raw and runs the transform over it into its own bucket. */
    private TransformResult transform(String part, String jsonLines, String platformBucket) throws Exception {
        var gz = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(gz)) {
            out.write(jsonLines.getBytes(StandardCharsets.UTF_8));
        }
        String rawBucket = stack.layout().rawBucket();
        String key = "raw/dt=2024-06-01/run=hostile-raw/" + part + ".jsonl.gz";
        stack.s3().putObject(r -> r.bucket(rawBucket).key(key), RequestBody.fromBytes(gz.toByteArray()));
        stack.s3().createBucket(r -> r.bucket(platformBucket));
        var transform = new TransformService(
                stack.s3(), platformBucket, Files.createDirectories(dir.resolve("work")), quietLog());
        return transform.transform(rawBucket, key);
    }

    private void assertPlatformKeysInShape(String platformBucket) {
        for (var o : stack.s3()
                .listObjectsV2Paginator(r -> r.bucket(platformBucket).prefix(""))
                .contents()) {
            assertTrue(
                    TABLE_KEY.matcher(o.key()).matches()
                            || o.key().startsWith("quarantine/raw/dt=2024-06-01/" + "run=hostile-raw/"),
                    "platform bucket key " + o.key());
        }
    }

    private ObjectNode backfill(String from) {
        return mapper.createObjectNode().put("from", from).put("to", "2024-01-01");
    }

    private static String invoke(FanoutHandler fanout, String request) throws Exception {
        return LambdaRunner.invokeDirect(fanout, "fanout", request, Duration.ofMinutes(1));
    }

    private List<Job> drainJobQueue() {
        String url = stack.url(stack.layout().jobQueue());
        List<Job> jobs = new ArrayList<>();
        for (int round = 0; round < 100; round++) {
            List<Message> got = stack.sqs()
                    .receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (got.isEmpty()) {
                break;
            }
            for (Message m : got) {
                jobs.add(codec.decode(m.body()));
                stack.sqs().deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return jobs;
    }

    private static JsonLog quietLog() {
        return new JsonLog("test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }
}
