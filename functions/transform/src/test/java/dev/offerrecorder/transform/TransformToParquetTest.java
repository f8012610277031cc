package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The transform on the embedded S3, driven as Lambda drives it; its Parquet read back with DuckDB. */
@WithEmbeddedStack
class TransformToParquetTest {
    @TempDir
    static Path dir;

    static EmbeddedStack stack;

    private List<String> keys(String prefix) {
        return stack
                .s3()
                .listObjectsV2Paginator(
                        r -> r.bucket(stack.layout().platformBucket()).prefix(prefix))
                .contents()
                .stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    @Test
    void writesTypedColumnsIntoOnePartitionPerDate() throws Exception {
        LocalDate d1 = LocalDate.of(2031, 5, 1);
        LocalDate d2 = LocalDate.of(2031, 5, 2);
        Instant at = Instant.parse("2031-05-03T01:02:03.456789Z");
        List<RawRecord> records = new ArrayList<>();
        for (int shop = 1; shop <= 30; shop++) {
            records.add(RawObjects.ok("run-a", "s" + shop, shop % 3 == 0 ? d2 : d1, shop * 1000L, at));
        }
        records.add(RawObjects.notFound("run-a", "s404", d1, at));
        String key = "raw/dt=2031-05-01/run=run-a/part-aaaa.jsonl.gz";
        RawObjects.put(stack, key, RawObjects.gzipRecords(records));

        var handler = new TransformHandler(stack.transformEnv(Files.createDirectories(dir.resolve("work"))));
        SQSBatchResponse response =
                handler.handleRequest(RawObjects.sqsEvent(stack.layout().rawBucket(), key), RawObjects.context());
        assertEquals(List.of(), response.getBatchItemFailures());

        List<String> d1Files = keys("offer_recordings/dt=2031-05-01/");
        List<String> d2Files = keys("offer_recordings/dt=2031-05-02/");
        assertEquals(1, d1Files.size(), d1Files.toString());
        assertEquals(1, d2Files.size(), d2Files.toString());
        assertTrue(
                d1Files.getFirst().matches("offer_recordings/dt=2031-05-01/part-[0-9a-f]{16}\\.parquet"),
                d1Files.toString());
        assertEquals(
                d1Files.getFirst().substring(d1Files.getFirst().lastIndexOf('/')),
                d2Files.getFirst().substring(d2Files.getFirst().lastIndexOf('/')),
                "one part name per source");

        Map<String, String> schema = new LinkedHashMap<>();
        for (var row : RawObjects.query(stack, "DESCRIBE SELECT * FROM {table}")) {
            schema.put((String) row.get("column_name"), (String) row.get("column_type"));
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("shop_id", "VARCHAR");
        expected.put("target_date", "DATE");
        expected.put("offer_amount", "BIGINT");
        expected.put("currency", "VARCHAR");
        expected.put("eligible", "BOOLEAN");
        expected.put("anomaly_score", "DOUBLE");
        expected.put("model_version", "VARCHAR");
        expected.put("calculated_at", "TIMESTAMP WITH TIME ZONE");
        expected.put("http_status", "INTEGER");
        expected.put("outcome", "VARCHAR");
        expected.put("error", "VARCHAR");
        expected.put("latency_ms", "BIGINT");
        expected.put("attempts", "INTEGER");
        expected.put("run_id", "VARCHAR");
        expected.put("recorded_at", "TIMESTAMP WITH TIME ZONE");
        expected.put("request_url", "VARCHAR");
        expected.put("response_json", "VARCHAR");
        expected.put("source_object", "VARCHAR");
        expected.put("dt", "DATE");
        assertEquals(expected, schema, "column names, order and types (dt from the hive partition)");

        var counts = RawObjects.query(
                stack,
                "SELECT CAST(dt AS VARCHAR) AS dt, count(*) AS n, "
                        + "count(*) FILTER (WHERE dt <> target_date) AS misplaced FROM {table} "
                        + "WHERE dt BETWEEN DATE '2031-05-01' AND DATE '2031-05-02' GROUP BY dt ORDER BY dt");
        assertEquals(
                List.of(
                        Map.of("dt", "2031-05-01", "n", 21L, "misplaced", 0L),
                        Map.of("dt", "2031-05-02", "n", 10L, "misplaced", 0L)),
                counts);

        var rows = RawObjects.query(
                stack,
                "SELECT shop_id, offer_amount, currency, eligible, anomaly_score, "
                        + "model_version, epoch_ms(calculated_at) AS calculated_ms, http_status, outcome, error, latency_ms, "
                        + "attempts, run_id, epoch_us(recorded_at) AS recorded_us, request_url, response_json, source_object "
                        + "FROM {table} WHERE shop_id IN ('s3', 's404') ORDER BY shop_id");
        Map<String, Object> s3 = rows.get(0);
        assertEquals("s3", s3.get("shop_id"));
        assertEquals(3000L, s3.get("offer_amount"));
        assertEquals("JPY", s3.get("currency"));
        assertEquals(true, s3.get("eligible"));
        assertEquals(0.5, s3.get("anomaly_score"));
        assertEquals("run-a", s3.get("model_version"));
        assertEquals(Instant.parse("2024-01-01T12:00:00Z").toEpochMilli(), s3.get("calculated_ms"));
        assertEquals(200, s3.get("http_status"));
        assertEquals("OK", s3.get("outcome"));
        assertNull(s3.get("error"));
        assertEquals(12L, s3.get("latency_ms"));
        assertEquals(1, s3.get("attempts"));
        assertEquals("run-a", s3.get("run_id"));
        assertEquals(
                at.getEpochSecond() * 1_000_000 + at.getNano() / 1000,
                s3.get("recorded_us"),
                "recorded_at keeps microseconds");
        assertEquals("http://api/v1/shops/s3/offer?date=2031-05-02", s3.get("request_url"));
        assertEquals(RawObjects.body(3000, "run-a"), s3.get("response_json"), "the API body, unmapped fields too");
        assertEquals("s3://" + stack.layout().rawBucket() + "/" + key, s3.get("source_object"));

        Map<String, Object> missing = rows.get(1);
        assertEquals("NOT_FOUND", missing.get("outcome"));
        assertEquals(404, missing.get("http_status"));
        assertNull(missing.get("offer_amount"));
        assertNull(missing.get("currency"));
        assertEquals("{\"error\":\"unknown shop\"}", missing.get("response_json"));

        var meta = RawObjects.query(
                stack,
                "SELECT DISTINCT compression FROM parquet_metadata('" + RawObjects.tableDir(stack)
                        + "/dt=2031-05-01/*.parquet')");
        assertEquals(List.of(Map.of("compression", "ZSTD")), meta);
    }

    @Test
    void aRedeliveredNotificationOverwritesInsteadOfDuplicating() throws Exception {
        String key = "raw/dt=2031-06-01/run=run-b/part-bbbb.jsonl.gz";
        Instant at = Instant.parse("2031-06-02T00:00:00Z");
        RawObjects.put(
                stack,
                key,
                RawObjects.gzipRecords(List.of(
                        RawObjects.ok("run-b", "1", LocalDate.of(2031, 6, 1), 10, at),
                        RawObjects.ok("run-b", "2", LocalDate.of(2031, 6, 1), 20, at))));
        var log = new ByteArrayOutputStream();
        var service = new TransformService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("work2")),
                new JsonLog("transform", new PrintStream(log, true, StandardCharsets.UTF_8)));
        TransformResult first = service.transform(stack.layout().rawBucket(), key);
        List<String> before = keys("offer_recordings/dt=2031-06-01/");
        TransformResult second = service.transform(stack.layout().rawBucket(), key);

        assertEquals(first, second);
        assertEquals(before, keys("offer_recordings/dt=2031-06-01/"));
        assertEquals(
                List.of(Map.of("n", 2L)),
                RawObjects.query(stack, "SELECT count(*) AS n FROM {table} WHERE dt = DATE '2031-06-01'"));
        assertEquals(2, first.linesIn());
        assertEquals(2, first.rowsOut());
        assertEquals(0, first.quarantined());
        String logged = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                logged.contains("\"linesIn\":2")
                        && logged.contains("\"rowsOut\":2")
                        && logged.contains("\"quarantined\":0"),
                "counts are logged for every run: " + logged);
    }

    @Test
    void aMessageThatFailsIsReportedAloneForRetry() throws Exception {
        String good = "raw/dt=2031-07-01/run=run-c/part-cccc.jsonl.gz";
        RawObjects.put(
                stack,
                good,
                RawObjects.gzipRecords(List.of(RawObjects.ok(
                        "run-c", "1", LocalDate.of(2031, 7, 1), 10, Instant.parse("2031-07-02T00:00:00Z")))));
        var handler = new TransformHandler(stack.transformEnv(Files.createDirectories(dir.resolve("work3"))));
        var event =
                RawObjects.sqsEvent(stack.layout().rawBucket(), "raw/dt=2031-07-01/run=run-c/part-gone.jsonl.gz", good);
        SQSBatchResponse response = handler.handleRequest(event, RawObjects.context());
        assertEquals(
                List.of("msg-0"),
                response.getBatchItemFailures().stream()
                        .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                        .toList());
        assertEquals(1, keys("offer_recordings/dt=2031-07-01/").size(), "the good message still lands");
    }

    /** The message S3 sends when a notification configuration is set is acknowledged, not failed or retried. */
    @Test
    void acknowledgesTheS3TestEvent() throws Exception {
        var handler = new TransformHandler(stack.transformEnv(Files.createDirectories(dir.resolve("work-test"))));
        var message = new com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage();
        message.setMessageId("test-event");
        message.setBody("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2024-01-01T00:00:00Z\","
                + "\"Bucket\":\"" + stack.layout().rawBucket() + "\",\"RequestId\":\"R\",\"HostId\":\"H\"}");
        var event = new com.amazonaws.services.lambda.runtime.events.SQSEvent();
        event.setRecords(List.of(message));
        assertEquals(
                List.of(), handler.handleRequest(event, RawObjects.context()).getBatchItemFailures());
    }
}
