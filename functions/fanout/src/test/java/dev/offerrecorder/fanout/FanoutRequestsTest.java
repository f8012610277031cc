package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Backfill requests through the handler against S3Proxy and ElasticMQ: bad manifests and requests fail with a
 * message naming the problem and enqueue nothing; dry runs count and estimate; a manifest that changes under a
 * sliced run stops it; a job queue that refuses jobs hands the slice over at its confirmed prefix.
 */
@WithEmbeddedStack
class FanoutRequestsTest {
    private static final String FANOUT_ARN = "arn:aws:sqs:elasticmq:000000000000:offer-recorder-fanout";

    static EmbeddedStack stack;
    static FanoutKit kit;
    final ObjectMapper mapper = Json.newMapper();

    @BeforeAll
    static void start() throws Exception {
        kit = new FanoutKit(stack);
    }

    @BeforeEach
    void empty() {
        kit.purge();
    }

    private static String backfill(String manifestUri, String extra) {
        return "{\"from\":\"2024-01-01\",\"to\":\"2024-01-03\",\"manifest\":\"" + manifestUri + "\"" + extra + "}";
    }

    /** The error a request fails with; the queues must stay empty. */
    private String error(String request) {
        var e = assertThrows(BadRequestException.class, () -> kit.invoke(stack.fanoutEnv(), request));
        assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), "nothing enqueued for a bad request");
        assertEquals(0, stack.depth(stack.layout().fanoutQueue()).total());
        return e.getMessage();
    }

    private static byte[] gzip(String s) throws Exception {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void missingManifestsAreNamed() {
        String bucket = kit.bucket();
        assertEquals(
                "manifest s3://" + bucket + "/manifests/nope.csv not found: no object 'manifests/nope.csv' in "
                        + "bucket '" + bucket + "'",
                error(backfill("s3://" + bucket + "/manifests/nope.csv", "")));
        assertEquals(
                "manifest s3://no-such-bucket/m.csv not found: no bucket 'no-such-bucket'",
                error(backfill("s3://no-such-bucket/m.csv", "")));
        assertEquals(
                "manifest 'file:///tmp/m.csv' is not an s3://bucket/key URI", error(backfill("file:///tmp/m.csv", "")));
    }

    @Test
    void unreadableEmptyAndHeaderlessManifestsAreNamed() throws Exception {
        byte[] gz = gzip("shop_id\n1\n2\n3\n4\n5\n");
        String corrupt = kit.put("manifests/corrupt.csv.gz", Arrays.copyOf(gz, gz.length - 10));
        assertTrue(error(backfill(corrupt, ""))
                .startsWith("manifest " + corrupt + " is unreadable: corrupt or " + "truncated gzip"));
        String empty = kit.put("manifests/empty.csv", "");
        assertEquals("manifest " + empty + " is empty", error(backfill(empty, "")));
        String headerOnly = kit.put("manifests/header-only.csv", "shop_id,name\n");
        assertEquals("manifest " + headerOnly + " has a header but no shop rows", error(backfill(headerOnly, "")));
        String noColumn = kit.put("manifests/no-column.csv", "id,name\n1,a\n");
        assertEquals(
                "manifest " + noColumn + " line 1: header [id, name] has no ID column 'shop_id' (CSV needs a "
                        + "header row naming it)",
                error(backfill(noColumn, "")));
        String noField = kit.put("manifests/no-field.jsonl", "{\"id\":1}\n{\"id\":2}\n");
        assertEquals(
                "manifest " + noField + " has no ID field 'shop_id' in any of its 2 JSON lines",
                error(backfill(noField, "")));
        String allBad = kit.put("manifests/all-bad.csv", "shop_id\n\n \nshop 1\n");
        assertEquals(
                "manifest " + allBad + " has no valid shop IDs (1 bad rows; first: line 4: shop ID 'shop 1' is "
                        + "not 1-64 letters, digits, '-' or '_')",
                error(backfill(allBad, "")));
    }

    @Test
    void badRequestsAreNamed() {
        String m = "s3://" + kit.bucket() + "/manifests/x.csv";
        assertEquals(
                "date range is inverted: from 2024-01-03 is after to 2024-01-01",
                error("{\"from\":\"2024-01-03\",\"to\":\"2024-01-01\",\"manifest\":\"" + m + "\"}"));
        assertEquals(
                "date range 2010-01-01..2024-01-01 spans 5114 days; at most 3660 per request",
                error("{\"from\":\"2010-01-01\",\"to\":\"2024-01-01\",\"manifest\":\"" + m + "\"}"));
        assertTrue(error("{\"from\":\"2999-01-01\",\"to\":\"2999-01-02\",\"shopIds\":[\"1\"]}")
                .startsWith("to 2999-01-02 is in the future (today is "));
        assertTrue(error("{\"form\":\"2024-01-01\",\"to\":\"2024-01-02\",\"shopIds\":[\"1\"]}")
                .startsWith("unknown request field 'form'"));
        assertEquals(
                "request is not JSON: Unexpected character ('f' (code 102)): was expecting double-quote to "
                        + "start field name",
                error("{from:1}"));
        assertTrue(error("\"backfill\"").startsWith("request is not a JSON object (got string)"));
    }

    @Test
    void blankAndDuplicateIdsAreSkippedAndReportedWhileTheRestRuns() throws Exception {
        String uri = kit.put("manifests/mixed.jsonl.gz", gzip("""
                {"shop_id":"A"}
                {"shop_id":""}
                {"shop_id":"B","note":"x"}
                {"shop_id":"A"}
                not json
                {"shop_id":"C"}
                """));
        JsonNode summary = kit.invoke(stack.fanoutEnv(), backfill(uri, ",\"runId\":\"mixed\""));
        assertEquals(9, summary.path("jobsEnqueued").asLong(), summary.toString());
        assertEquals(3, summary.path("badRows").asLong());
        assertEquals(
                List.of("2:blank shop ID", "4:duplicate shop ID 'A' (first on line 1)", "5:not valid JSON"),
                java.util.stream.StreamSupport.stream(
                                summary.path("badRowSamples").spliterator(), false)
                        .map(r ->
                                r.path("line").asLong() + ":" + r.path("reason").asText())
                        .toList());
        assertEquals(9, kit.drainJobs(2).distinct());
    }

    @Test
    void aDryRunCountsAndEstimatesWithoutSending() throws Exception {
        var csv = new StringBuilder("shop_id\n");
        for (int i = 0; i < 250; i++) {
            csv.append("D").append(i).append('\n');
        }
        String uri = kit.put("manifests/dry.csv", csv.toString());
        JsonNode summary = kit.invoke(
                stack.fanoutEnv().with("SLICE_MAX_JOBS", "100"),
                backfill(uri, ",\"dryRun\":true,\"ratePerSecond\":25"));
        assertEquals("dry-run", summary.path("status").asText(), summary.toString());
        assertEquals(750, summary.path("jobsPlanned").asLong());
        assertEquals(0, summary.path("jobsEnqueued").asLong());
        // At most 100 jobs a slice: shop ranges of 100, 100 and 50 for each of the 3 dates.
        assertEquals(9, summary.path("slices").asInt(), "how the run would be sliced");
        assertEquals(30.0, summary.path("estimatedApiSeconds").asDouble());
        assertEquals("PT30S", summary.path("estimatedApiDuration").asText());
        JsonNode limited = kit.invoke(stack.fanoutEnv(), backfill(uri, ",\"dryRun\":true,\"limit\":100"));
        assertEquals(100, limited.path("jobsPlanned").asLong());
        assertEquals(1.0, limited.path("estimatedApiSeconds").asDouble(), "100 jobs at the default 100 calls/s");
        assertEquals(0, stack.depth(stack.layout().jobQueue()).total());
        assertEquals(0, stack.depth(stack.layout().fanoutQueue()).total());
    }

    @Test
    void aManifestChangedUnderASlicedRunStopsTheSlices() throws Exception {
        String uri = kit.put("manifests/pinned.csv", "shop_id\n1\n2\n3\n4\n5\n");
        Env env = stack.fanoutEnv().with("SLICE_MAX_JOBS", "10");
        JsonNode summary = kit.invoke(env, backfill(uri, ",\"runId\":\"pinned\""));
        assertEquals("sliced", summary.path("status").asText(), summary.toString());
        kit.put("manifests/pinned.csv", "shop_id\n1\n2\n3\n4\n5\n6\n");
        FanoutKit.Driven driven = kit.driveFanoutQueue(env, 1, Duration.ofMinutes(1));
        assertEquals(1, driven.errors().size(), driven.errors().toString());
        assertTrue(
                driven.errors().getFirst().contains("manifest " + uri + " changed since the run was planned"),
                driven.errors().getFirst());
        assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), "no job from a changed manifest");
    }

    @Test
    void aJobQueueThatRefusesJobsHandsTheSliceOverAtItsConfirmedPrefixThenGivesUp() throws Exception {
        String missingQueue = stack.aws().sqsEndpoint() + "/000000000000/no-such-queue";
        Env env = stack.fanoutEnv().with("JOB_QUEUE_URL", missingQueue);
        JsonNode summary = kit.invoke(
                env,
                "{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopRange\":"
                        + "{\"from\":1,\"to\":50},\"runId\":\"refused\"}");
        assertEquals("handed-over", summary.path("status").asText(), summary.toString());
        assertEquals(0, summary.path("resumeAt").asLong());
        assertTrue(
                summary.path("handoverReason")
                        .asText()
                        .startsWith("SendMessageBatch for jobs 0..9 failed after 1" + " attempts"),
                summary.toString());
        // The continuation waits (a delayed message), counting the refusal.
        var attrs = stack.sqs()
                .getQueueAttributes(r -> r.queueUrl(kit.fanoutQueue())
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
                .attributes();
        assertEquals("1", attrs.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));

        // The third refusal in a row fails the invocation, so SQS retries and finally parks the slice in the DLQ.
        ObjectNode slice = (ObjectNode) mapper.readTree("""
                {"runId":"refused","part":1,"parts":1,"from":"2024-01-01","to":"2024-01-01",
                 "shops":{"type":"range","rangeFrom":1,"rangeTo":50},"shopStart":0,"shopEnd":50,"cursor":0,"end":50,
                 "failures":2}""");
        Message m = Message.builder()
                .messageId("m-1")
                .receiptHandle("h")
                .body(slice.toString())
                .md5OfBody("x")
                .build();
        var e = assertThrows(
                IllegalStateException.class,
                () -> LambdaRunner.invokeSqs(
                        new SliceHandler(env),
                        "fanout-slices",
                        LambdaRunner.sqsEventJson(List.of(m), FANOUT_ARN, "us-east-1"),
                        Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("jobs could not be enqueued 3 hand-overs in a row"), e.getMessage());
    }

    @Test
    void aBrokenSliceMessageFailsOnlyItselfInABatch() throws Exception {
        Message good = Message.builder()
                .messageId("good")
                .receiptHandle("h1")
                .md5OfBody("x")
                .body("""
                {"runId":"batch","part":1,"parts":1,"from":"2024-01-01","to":"2024-01-01",
                 "shops":{"type":"list","ids":["a","b"]},"shopStart":0,"shopEnd":2,"cursor":0,"end":2,"failures":0}
                """)
                .build();
        Message bad = Message.builder()
                .messageId("bad")
                .receiptHandle("h2")
                .md5OfBody("x")
                .body("{\"runId\":1")
                .build();
        var response = LambdaRunner.invokeSqs(
                new SliceHandler(stack.fanoutEnv()),
                "fanout-slices",
                LambdaRunner.sqsEventJson(List.of(good, bad), FANOUT_ARN, "us-east-1"),
                Duration.ofMinutes(1));
        assertEquals(
                List.of("bad"),
                response.getBatchItemFailures().stream()
                        .map(f -> f.getItemIdentifier())
                        .toList());
        assertEquals(2, kit.drainJobs(1).distinct());
    }

    @Test
    void anSqsBatchInvokedDirectlyOnTheFanoutFunctionIsRefusedNamingSliceHandler() throws Exception {
        Message slice = Message.builder()
                .messageId("m-1")
                .receiptHandle("h")
                .md5OfBody("x")
                .body("""
                {"runId":"direct","part":1,"parts":1,"from":"2024-01-01","to":"2024-01-01",
                 "shops":{"type":"list","ids":["a"]},"shopStart":0,"shopEnd":1,"cursor":0,"end":1,"failures":0}
                """)
                .build();
        var e = assertThrows(
                BadRequestException.class,
                () -> kit.invoke(
                        stack.fanoutEnv(), LambdaRunner.sqsEventJson(List.of(slice), FANOUT_ARN, "us-east-1")));
        assertTrue(e.getMessage().contains("dev.offerrecorder.fanout.SliceHandler::handleRequest"), e.getMessage());
        assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), "nothing is enqueued");
    }
}
