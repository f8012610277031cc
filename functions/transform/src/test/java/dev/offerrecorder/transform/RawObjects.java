package dev.offerrecorder.transform;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.runner.LocalContext;
import dev.offerrecorder.testkit.support.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;

/** Builds raw-log objects and the events that announce them, as the worker and S3 make them. */
final class RawObjects {
    private static final ObjectMapper MAPPER = Json.newMapper();

    private RawObjects() {}

    static String body(long amount, String model) {
        return "{\"offer_amount\":" + amount + ",\"currency\":\"JPY\",\"eligible\":true,\"anomaly_score\":0.5,"
                + "\"model_version\":\"" + model + "\",\"calculated_at\":\"2024-01-01T12:00:00Z\",\"extra\":{\"a\":1}}";
    }

    static RawRecord ok(String run, String shop, LocalDate date, long amount, Instant recordedAt) {
        return ok(run, shop, date, amount, recordedAt, run);
    }

    static RawRecord ok(String run, String shop, LocalDate date, long amount, Instant recordedAt, String model) {
        return new RawRecord(
                RawRecord.VERSION,
                run,
                shop,
                date,
                "http://api/v1/shops/" + shop + "/offer?date=" + date,
                200,
                Outcome.OK,
                12,
                1,
                body(amount, model),
                recordedAt,
                "m-" + shop,
                null);
    }

    static RawRecord notFound(String run, String shop, LocalDate date, Instant recordedAt) {
        return new RawRecord(
                RawRecord.VERSION,
                run,
                shop,
                date,
                "http://api/v1/shops/" + shop + "/offer?date=" + date,
                404,
                Outcome.NOT_FOUND,
                7,
                1,
                "{\"error\":\"unknown shop\"}",
                recordedAt,
                "m-" + shop,
                null);
    }

    /** A definitive 4xx other than 404, recorded as CLIENT_ERROR (as the worker records a 400, 401, 403, 422). */
    static RawRecord error(String run, String shop, LocalDate date, int status, Instant recordedAt) {
        return new RawRecord(
                RawRecord.VERSION,
                run,
                shop,
                date,
                "http://api/v1/shops/" + shop + "/offer?date=" + date,
                status,
                Outcome.CLIENT_ERROR,
                5,
                1,
                "{\"error\":\"HTTP " + status + "\"}",
                recordedAt,
                "m-" + shop,
                "HTTP " + status);
    }

    static String line(RawRecord r) {
        try {
            return MAPPER.writeValueAsString(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One gzip member holding these lines, each followed by '\n'. */
    static byte[] gzip(List<String> lines) {
        var bytes = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            for (String l : lines) {
                gz.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] gzipRecords(List<RawRecord> records) {
        return gzip(records.stream().map(RawObjects::line).toList());
    }

    static void put(EmbeddedStack stack, String key, byte[] bytes) {
        stack.s3().putObject(r -> r.bucket(stack.layout().rawBucket()).key(key), RequestBody.fromBytes(bytes));
    }

    /**
     * An SQS event as Lambda delivers it: one message per key, each body an S3 notification (keys URL-encoded).
     * Built with the event's setters: LambdaEventSerializers needs joda-time on the classpath for any event.
     */
    static SQSEvent sqsEvent(String bucket, String... keys) {
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (String key : keys) {
            ObjectNode notification = MAPPER.createObjectNode();
            ObjectNode s3 = notification
                    .putArray("Records")
                    .addObject()
                    .put("eventVersion", "2.1")
                    .put("eventSource", "aws:s3")
                    .put("awsRegion", "us-east-1")
                    .put("eventName", "ObjectCreated:Put")
                    .putObject("s3");
            s3.putObject("bucket").put("name", bucket).put("arn", "arn:aws:s3:::" + bucket);
            s3.putObject("object")
                    .put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"));
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId("msg-" + messages.size());
            m.setReceiptHandle("rh");
            m.setBody(notification.toString());
            m.setEventSource("aws:sqs");
            m.setEventSourceArn("arn:aws:sqs:us-east-1:000000000000:offer-recorder-transform");
            m.setAwsRegion("us-east-1");
            m.setAttributes(Map.of("ApproximateReceiveCount", "1"));
            messages.add(m);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        return event;
    }

    static LocalContext context() {
        return new LocalContext("test", 60_000, 1024);
    }

    static Path tableDir(EmbeddedStack stack) throws IOException {
        return stack.localCopy(stack.layout().platformBucket(), TableKeys.TABLE_PREFIX);
    }

    /** Rows of a query over the table (hive partitioning on), read with DuckDB from the table's files. */
    static List<Map<String, Object>> query(EmbeddedStack stack, String select) throws SQLException, IOException {
        return Table.query(tableDir(stack), select);
    }
}
