package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.support.RepoFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Partition compaction on the embedded S3: one row per job (the latest), sized files, safe deletes. */
@WithEmbeddedStack
class CompactionTest {
    @TempDir
    static Path dir;

    static EmbeddedStack stack;
    static TransformService transform;
    final ObjectMapper mapper = Json.newMapper();

    @BeforeAll
    static void start() throws Exception {
        transform = new TransformService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("transform-work")),
                quietLog());
    }

    private static JsonLog quietLog() {
        return new JsonLog("test", new PrintStream(OutputStream.nullOutputStream()));
    }

    private static void transformed(String key, List<RawRecord> records) throws Exception {
        RawObjects.put(stack, key, RawObjects.gzipRecords(records));
        transform.transform(stack.layout().rawBucket(), key);
    }

    private List<String> names(LocalDate date) {
        String prefix = TransformService.partitionPrefix(date.toString());
        return stack
                .s3()
                .listObjectsV2Paginator(
                        r -> r.bucket(stack.layout().platformBucket()).prefix(prefix))
                .contents()
                .stream()
                .map(o -> o.key().substring(prefix.length()))
                .sorted()
                .toList();
    }

    private Env env(String name) throws Exception {
        return stack.transformEnv(Files.createDirectories(dir.resolve(name)));
    }

    private JsonNode invoke(CompactionHandler handler, String input) throws Exception {
        var out = new ByteArrayOutputStream();
        handler.handleRequest(
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, RawObjects.context());
        return mapper.readTree(out.toByteArray());
    }

    @Test
    void keepsOneRowPerJobTheLatestRecordedAndRemovesTheReplacedFiles() throws Exception {
        LocalDate date = LocalDate.of(2033, 3, 1);
        Instant t1 = Instant.parse("2033-03-02T01:00:00Z");
        Instant t2 = Instant.parse("2033-03-02T02:00:00Z");
        Instant t3 = Instant.parse("2033-03-02T03:00:00Z");
        // Run a answers shops 1-20 (1-5 latest of all), run b answers shops 11-30 in between.
        List<RawRecord> a = new ArrayList<>();
        for (int s = 1; s <= 20; s++) {
            a.add(RawObjects.ok("run-a", "shop" + s, date, 100 + s, s <= 5 ? t3 : t1));
        }
        List<RawRecord> b = new ArrayList<>();
        for (int s = 11; s <= 30; s++) {
            b.add(RawObjects.ok("run-b", "shop" + s, date, 200 + s, t2));
        }
        b.add(RawObjects.ok("run-b", "shop3", date, 999, t2)); // older than run a's shop3
        transformed("raw/dt=2033-03-01/run=run-a/part-a.jsonl.gz", a);
        transformed("raw/dt=2033-03-01/run=run-b/part-b.jsonl.gz", b);
        assertEquals(2, names(date).size());
        String where = " FROM {table} WHERE dt = DATE '2033-03-01'";
        assertEquals(List.of(Map.of("n", 41L)), RawObjects.query(stack, "SELECT count(*) AS n" + where));

        var handler = new CompactionHandler(env("compact-1"));
        JsonNode result = invoke(handler, "{\"date\":\"2033-03-01\"}");
        assertFalse(result.path("skipped").asBoolean(), result.toString());
        assertEquals(41, result.path("rowsIn").asLong());
        assertEquals(30, result.path("rowsOut").asLong());
        assertEquals(2, result.path("deleted").size());

        List<String> after = names(date);
        assertEquals(1, after.size(), after.toString());
        assertTrue(after.getFirst().matches("compacted-[0-9a-f]{16}-0\\.parquet"), after.toString());

        var rows = RawObjects.query(
                stack,
                "SELECT shop_id, run_id, offer_amount, CAST(recorded_at AS VARCHAR) AS at" + where
                        + " ORDER BY shop_id");
        assertEquals(30, rows.size());
        assertEquals(
                30, RawObjects.query(stack, "SELECT DISTINCT shop_id" + where).size(), "one row per job");
        for (var row : rows) {
            int shop = Integer.parseInt(((String) row.get("shop_id")).substring(4));
            String run = shop <= 10 ? "run-a" : "run-b";
            assertEquals(run, row.get("run_id"), row.toString());
            assertEquals((long) (shop <= 10 ? 100 + shop : 200 + shop), row.get("offer_amount"), row.toString());
        }
        assertEquals(
                "run-a",
                rows.stream()
                        .filter(r -> r.get("shop_id").equals("shop3"))
                        .findFirst()
                        .orElseThrow()
                        .get("run_id"),
                "the later recording wins, whichever file it is in");

        JsonNode again = invoke(handler, "{\"date\":\"2033-03-01\"}");
        assertTrue(again.path("skipped").asBoolean(), again.toString());
        assertEquals(after, names(date), "an already compact partition is left alone");

        // A later answer for one job arrives: the next compaction folds it in.
        transformed(
                "raw/dt=2033-03-01/run=run-c/part-c.jsonl.gz",
                List.of(RawObjects.ok("run-c", "shop30", date, 7, Instant.parse("2033-03-03T00:00:00Z"))));
        JsonNode third = invoke(handler, "{\"date\":\"2033-03-01\"}");
        assertEquals(31, third.path("rowsIn").asLong());
        assertEquals(30, third.path("rowsOut").asLong());
        assertEquals(1, names(date).size());
        assertEquals(
                List.of(Map.of("run_id", "run-c", "offer_amount", 7L)),
                RawObjects.query(stack, "SELECT run_id, offer_amount" + where + " AND shop_id = 'shop30'"));
    }

    @Test
    void writesFilesNearTheTargetSize() throws Exception {
        LocalDate date = LocalDate.of(2033, 4, 1);
        Random random = new Random(42);
        Instant at = Instant.parse("2033-04-02T00:00:00Z");
        int perObject = 2500;
        for (int o = 0; o < 3; o++) {
            List<RawRecord> records = new ArrayList<>();
            for (int i = 0; i < perObject; i++) {
                byte[] noise = new byte[96];
                random.nextBytes(noise);
                // Incompressible model_version values make the partition a few MB.
                records.add(RawObjects.ok(
                        "run-" + o,
                        "shop" + (o * perObject + i),
                        date,
                        i,
                        at,
                        HexFormat.of().formatHex(noise)));
            }
            transformed("raw/dt=2033-04-01/run=run-" + o + "/part-" + o + ".jsonl.gz", records);
        }
        long target = 256 * 1024;
        var service = new CompactionService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("compact-2")),
                target,
                quietLog());
        CompactionResult result = service.compact(date);
        assertEquals(3 * perObject, result.rowsOut());
        assertTrue(result.outputs().size() >= 3, result.toString());

        String prefix = TransformService.partitionPrefix(date.toString());
        List<S3Object> files = stack
                .s3()
                .listObjectsV2Paginator(
                        r -> r.bucket(stack.layout().platformBucket()).prefix(prefix))
                .contents()
                .stream()
                .sorted((x, y) -> x.key().compareTo(y.key()))
                .toList();
        assertEquals(result.outputs().size(), files.size());
        for (int i = 0; i < files.size() - 1; i++) {
            long size = files.get(i).size();
            assertTrue(size > target * 0.5 && size < target * 1.5, files.get(i).key() + " is " + size + " bytes");
        }
        assertEquals(
                List.of(Map.of("n", 3L * perObject, "shops", 3L * perObject)),
                RawObjects.query(
                        stack,
                        "SELECT count(*) AS n, count(DISTINCT shop_id) AS shops FROM {table} WHERE dt = DATE '2033-04-01'"));
    }

    @Test
    void aPartWrittenDuringCompactionSurvivesIt() throws Exception {
        LocalDate date = LocalDate.of(2033, 5, 1);
        Instant at = Instant.parse("2033-05-02T00:00:00Z");
        transformed("raw/dt=2033-05-01/run=r1/part-1.jsonl.gz", List.of(RawObjects.ok("r1", "1", date, 1, at)));
        transformed("raw/dt=2033-05-01/run=r2/part-2.jsonl.gz", List.of(RawObjects.ok("r2", "2", date, 2, at)));
        String lateRaw = "raw/dt=2033-05-01/run=r3/part-3.jsonl.gz";
        RawObjects.put(stack, lateRaw, RawObjects.gzipRecords(List.of(RawObjects.ok("r3", "3", date, 3, at))));

        // The transform of the late object runs while compaction is reading its inputs.
        AtomicBoolean late = new AtomicBoolean();
        S3Client racing = new DelegatingS3(stack.s3()) {
            @Override
            public <T> T getObject(GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
                if (request.key().startsWith("offer_recordings/") && late.compareAndSet(false, true)) {
                    try {
                        transform.transform(stack.layout().rawBucket(), lateRaw);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
                return super.getObject(request, transformer);
            }
        };
        var service = new CompactionService(
                racing,
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("compact-3")),
                128L * 1024 * 1024,
                quietLog());
        CompactionResult result = service.compact(date);
        assertTrue(late.get());
        assertEquals(2, result.filesIn());
        assertEquals(2, result.deleted().size());

        List<String> names = names(date);
        assertEquals(2, names.size(), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("compacted-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("part-")), "the late part is still there: " + names);
        assertEquals(
                3,
                RawObjects.query(stack, "SELECT shop_id FROM {table} WHERE dt = DATE '2033-05-01'")
                        .size());

        // The late part's marker was written after compaction listed the markers, so it survived: the next run
        // over marked partitions compacts the late part too.
        assertEquals(
                1,
                new CompactionMarkers(stack.s3(), stack.layout().platformBucket())
                        .list(date)
                        .size());
        PendingCompaction next = service.compactPending(date, () -> true);
        assertEquals(1, next.partitions().size(), next.toString());
        assertEquals(List.of(), new CompactionMarkers(stack.s3(), stack.layout().platformBucket()).list(date));
        assertTrue(
                names(date).stream().allMatch(n -> n.startsWith("compacted-")),
                names(date).toString());
    }

    /**
     * A transform that completes while compaction runs, right after compaction listed the partition, and a
     * redelivered transform rewriting a part compaction already listed: neither part is lost or left
     * uncompacted once the marked partitions are compacted again.
     */
    @Test
    void aTransformFinishingAfterThePartitionWasListedStaysMarked() throws Exception {
        LocalDate date = LocalDate.of(2033, 6, 1);
        Instant at = Instant.parse("2033-06-02T00:00:00Z");
        String first = "raw/dt=2033-06-01/run=r1/part-1.jsonl.gz";
        transformed(first, List.of(RawObjects.ok("r1", "1", date, 1, at), RawObjects.ok("r1", "2", date, 2, at)));
        String lateRaw = "raw/dt=2033-06-01/run=r2/part-2.jsonl.gz";
        // Run r2 records shop 2 again (a duplicate across runs) and shop 3.
        RawObjects.put(
                stack,
                lateRaw,
                RawObjects.gzipRecords(List.of(
                        RawObjects.ok("r2", "2", date, 22, at.plusSeconds(5)),
                        RawObjects.ok("r2", "3", date, 3, at.plusSeconds(5)))));
        String partitionPrefix = TransformService.partitionPrefix(date.toString());
        AtomicBoolean raced = new AtomicBoolean();
        S3Client racing = new DelegatingS3(stack.s3()) {
            @Override
            public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
                ListObjectsV2Response listing = super.listObjectsV2(request);
                if (partitionPrefix.equals(request.prefix()) && raced.compareAndSet(false, true)) {
                    try {
                        transform.transform(stack.layout().rawBucket(), lateRaw); // new part, new marker
                        transform.transform(stack.layout().rawBucket(), first); // listed part rewritten
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
                return listing;
            }
        };
        var service = new CompactionService(
                racing,
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("compact-race")),
                128L * 1024 * 1024,
                quietLog());
        CompactionResult during = service.compact(date);
        assertTrue(raced.get());
        assertEquals(1, during.filesIn(), during.toString());
        assertEquals(1, during.markersCleared(), "only the marker listed before the partition: " + during);
        var markers = new CompactionMarkers(stack.s3(), stack.layout().platformBucket());
        assertEquals(2, markers.list(date).size(), "the racing writes' markers survive");

        PendingCompaction after = service.compactPending(date, () -> true);
        assertEquals(List.of(), after.failed());
        assertEquals(List.of(), markers.list(date));
        assertEquals(
                List.of(Map.of("n", 3L, "distinct_jobs", 3L)),
                RawObjects.query(
                        stack,
                        "SELECT count(*) AS n, count(DISTINCT (shop_id, target_date)) AS distinct_jobs FROM {table} "
                                + "WHERE dt = DATE '2033-06-01'"));
        assertEquals(
                List.of(Map.of("run_id", "r2", "offer_amount", 22L)),
                RawObjects.query(
                        stack,
                        "SELECT run_id, offer_amount FROM {table} WHERE dt = DATE '2033-06-01' AND shop_id = '2'"));
        long superseded = after.partitions().stream()
                .mapToLong(r -> r.supersededByRun().getOrDefault("r1", 0L))
                .sum();
        assertEquals(1, superseded, "run r1's row of shop 2 is counted as superseded by run r2: " + after);
    }

    /**
     * Backfilled days far behind the schedule's own day, and a part re-created after its day was compacted: the
     * schedule compacts every marked partition up to its lag, not only the day lag days back.
     */
    @Test
    void theScheduleCompactsEveryMarkedPartitionAndLeavesYoungerOnesMarked() throws Exception {
        Instant at = Instant.parse("2032-02-01T00:00:00Z");
        List<LocalDate> backfill =
                List.of(LocalDate.of(2032, 1, 5), LocalDate.of(2032, 1, 6), LocalDate.of(2032, 1, 7));
        for (LocalDate d : backfill) {
            // Each day recorded twice by the same run (a redelivered raw log under another key).
            for (String copy : List.of("a", "b")) {
                transformed(
                        "raw/dt=" + d + "/run=bf/part-" + copy + ".jsonl.gz",
                        List.of(RawObjects.ok("bf", "1", d, 1, at), RawObjects.ok("bf", "2", d, 2, at)));
            }
        }
        String where = " FROM {table} WHERE dt BETWEEN DATE '2032-01-05' AND DATE '2032-01-07'";
        assertEquals(List.of(Map.of("n", 12L)), RawObjects.query(stack, "SELECT count(*) AS n" + where));

        // The schedule fires on 2032-01-09 (UTC), lag 2: up to 2032-01-07, the backfill's end included.
        var handler = new CompactionHandler(
                env("compact-sched").with("COMPACTION_LAG_DAYS", "2"),
                Clock.fixed(Instant.parse("2032-01-09T06:00:00Z"), ZoneOffset.UTC));
        JsonNode run = invoke(handler, "{\"detail-type\":\"Scheduled Event\",\"time\":\"2032-01-08T06:00:00Z\"}");
        assertEquals("2032-01-06", run.path("upTo").asText(), run.toString());
        assertEquals(2, run.path("partitions").size(), run.toString());
        assertEquals(2, run.path("partitions").get(0).path("duplicatesDropped").asLong(), run.toString());
        var markers = new CompactionMarkers(stack.s3(), stack.layout().platformBucket());
        assertEquals(List.of(), markers.list(backfill.get(0)));
        assertEquals(2, markers.list(backfill.get(2)).size(), "younger than the lag: still marked");

        run = invoke(handler, "{}"); // the clock's day 2032-01-09, lag 2: the backfill's end
        assertEquals(1, run.path("partitions").size(), run.toString());
        assertEquals(
                List.of(Map.of("n", 6L, "distinct_jobs", 6L)),
                RawObjects.query(
                        stack,
                        "SELECT count(*) AS n, count(DISTINCT (shop_id, target_date)) AS distinct_jobs" + where));

        // A part re-created after compaction (a transform retry or a replayed raw log) is compacted next time.
        transformed(
                "raw/dt=2032-01-05/run=bf/part-a.jsonl.gz",
                List.of(
                        RawObjects.ok("bf", "1", backfill.get(0), 1, at),
                        RawObjects.ok("bf", "2", backfill.get(0), 2, at)));
        assertEquals(List.of(Map.of("n", 8L)), RawObjects.query(stack, "SELECT count(*) AS n" + where));
        run = invoke(handler, "{}");
        assertEquals(1, run.path("partitions").size(), run.toString());
        assertEquals(List.of(Map.of("n", 6L)), RawObjects.query(stack, "SELECT count(*) AS n" + where));
    }

    /** A definitive answer is never replaced by a later error row, whichever run wrote it. */
    @Test
    void aLaterErrorRowNeverReplacesAnAnswer() throws Exception {
        LocalDate date = LocalDate.of(2033, 7, 1);
        Instant t1 = Instant.parse("2033-07-02T00:00:00Z");
        Instant t2 = t1.plusSeconds(3600);
        transformed(
                "raw/dt=2033-07-01/run=daily/part-1.jsonl.gz",
                List.of(RawObjects.ok("daily", "1", date, 10, t1), RawObjects.notFound("daily", "2", date, t1)));
        transformed(
                "raw/dt=2033-07-01/run=rerun/part-2.jsonl.gz",
                List.of(
                        RawObjects.error("rerun", "1", date, 401, t2),
                        RawObjects.error("rerun", "2", date, 403, t2),
                        RawObjects.error("rerun", "3", date, 400, t1),
                        RawObjects.ok("rerun", "4", date, 40, t1)));
        transformed(
                "raw/dt=2033-07-01/run=later/part-3.jsonl.gz",
                List.of(RawObjects.error("later", "3", date, 422, t2), RawObjects.ok("later", "4", date, 44, t2)));
        var service = new CompactionService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("compact-precedence")),
                128L * 1024 * 1024,
                quietLog());
        CompactionResult result = service.compact(date);
        assertEquals(4, result.rowsOut());
        assertEquals(Map.of("rerun", 4L), result.supersededByRun(), result.toString());
        assertEquals(
                List.of(
                        Map.of("shop_id", "1", "outcome", "OK", "run_id", "daily"),
                        Map.of("shop_id", "2", "outcome", "NOT_FOUND", "run_id", "daily"),
                        Map.of("shop_id", "3", "outcome", "CLIENT_ERROR", "run_id", "later"),
                        Map.of("shop_id", "4", "outcome", "OK", "run_id", "later")),
                RawObjects.query(
                        stack,
                        "SELECT shop_id, outcome, run_id FROM {table} WHERE dt = DATE '2033-07-01' ORDER BY shop_id"));
    }

    @Test
    void aScheduledEventCompactsThePartitionLagDaysBefore() throws Exception {
        // events/schedule.json fires at 2024-03-01T15:30:00Z; with a lag of 2 days in UTC: 2024-02-28.
        LocalDate date = LocalDate.of(2024, 2, 28);
        Instant at = Instant.parse("2024-02-29T00:00:00Z");
        transformed("raw/dt=2024-02-28/run=s1/part-1.jsonl.gz", List.of(RawObjects.ok("s1", "1", date, 1, at)));
        transformed(
                "raw/dt=2024-02-28/run=s2/part-2.jsonl.gz",
                List.of(RawObjects.ok("s2", "1", date, 2, at.plusSeconds(1))));
        var handler = new CompactionHandler(
                env("compact-4").with("COMPACTION_LAG_DAYS", "2"),
                Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));
        JsonNode run = invoke(handler, RepoFiles.event("schedule.json"));
        assertEquals("2024-02-28", run.path("upTo").asText(), run.toString());
        JsonNode result = run.path("partitions").get(0);
        assertEquals("2024-02-28", result.path("date").asText(), run.toString());
        assertEquals(1, result.path("rowsOut").asLong());
        assertEquals(
                List.of(Map.of("run_id", "s2")),
                RawObjects.query(stack, "SELECT run_id FROM {table} WHERE dt = DATE '2024-02-28'"));

        // No event time (an empty Scheduler payload): the clock's day, lag 2 days back.
        JsonNode empty = invoke(handler, "{}");
        assertEquals("2029-12-30", empty.path("upTo").asText(), empty.toString());
        assertEquals(0, empty.path("partitions").size(), "nothing else marked up to then: " + empty);
    }

    @Test
    void rejectsInputsItDoesNotUnderstand() throws Exception {
        var handler = new CompactionHandler(env("compact-5"));
        var e = assertThrows(BadRequestException.class, () -> invoke(handler, "{\"day\":\"2024-01-01\"}"));
        assertTrue(e.getMessage().contains("[day]"), e.getMessage());
        e = assertThrows(BadRequestException.class, () -> invoke(handler, "{\"date\":\"2024-1-1\"}"));
        assertTrue(e.getMessage().contains("YYYY-MM-DD"), e.getMessage());
        var config = assertThrows(
                RuntimeException.class,
                () -> new CompactionHandler(env("compact-6").with("COMPACTION_TARGET_MB", "0")));
        assertTrue(config.getMessage().contains("COMPACTION_TARGET_MB"), config.getMessage());
    }

    /** The embedded S3 with a hook: only the calls compaction makes are passed through. */
    static class DelegatingS3 implements S3Client {
        private final S3Client s3;

        DelegatingS3(S3Client s3) {
            this.s3 = s3;
        }

        @Override
        public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
            return s3.listObjectsV2(request);
        }

        @Override
        public <T> T getObject(GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
            return s3.getObject(request, transformer);
        }

        @Override
        public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
            return s3.getObject(request);
        }

        @Override
        public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
            return s3.putObject(request, body);
        }

        @Override
        public DeleteObjectsResponse deleteObjects(DeleteObjectsRequest request) {
            return s3.deleteObjects(request);
        }

        @Override
        public String serviceName() {
            return s3.serviceName();
        }

        @Override
        public void close() {
            // The stack owns the real client.
        }
    }
}
