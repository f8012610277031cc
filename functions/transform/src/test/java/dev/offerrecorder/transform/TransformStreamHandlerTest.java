package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The deployed entry point reads the SQS event JSON Lambda sends (as the testkit's runner builds it, every field
 * and attribute) and answers the partial-batch response's JSON: the real transform on the embedded S3 behind it.
 */
@WithEmbeddedStack
class TransformStreamHandlerTest {
    @TempDir
    static Path dir;

    static EmbeddedStack stack;

    private static final LocalDate DATE = LocalDate.of(2035, 3, 1);

    @Test
    void aBatchFromLambdasJsonLandsAndTheUnreadableMessageAloneComesBack() throws Exception {
        String key = "raw/dt=" + DATE + "/run=stream/part-1.jsonl.gz";
        RawObjects.put(
                stack,
                key,
                RawObjects.gzipRecords(
                        List.of(RawObjects.ok("stream", "s1", DATE, 1, Instant.parse("2035-03-02T00:00:00Z")))));
        String missing = "raw/dt=" + DATE + "/run=stream/part-2.jsonl.gz";
        SQSEvent announced = RawObjects.sqsEvent(stack.layout().rawBucket(), key, missing);
        List<Message> batch = announced.getRecords().stream()
                .map(m -> Message.builder()
                        .messageId(m.getMessageId())
                        .receiptHandle("rh-" + m.getMessageId())
                        .md5OfBody("md5")
                        .body(m.getBody())
                        .attributes(Map.of(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"))
                        .build())
                .toList();
        String event = LambdaRunner.sqsEventJson(batch, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");

        JsonNode reply = Json.newMapper().readTree(invoke(handler(), event));

        assertEquals(
                "{\"batchItemFailures\":[{\"itemIdentifier\":\"msg-1\"}]}",
                reply.toString(),
                "only the missing object's message is retried");
        List<String> written = stack
                .s3()
                .listObjectsV2(r -> r.bucket(stack.layout().platformBucket())
                        .prefix(TransformService.partitionPrefix(DATE.toString())))
                .contents()
                .stream()
                .map(o -> o.key())
                .toList();
        assertEquals(1, written.size(), written::toString);
    }

    @Test
    void aBatchWithNoFailureAnswersAnEmptyList() throws Exception {
        String reply = invoke(handler(), "{\"Records\":[]}");
        assertEquals("{\"batchItemFailures\":[]}", reply);
    }

    @Test
    void inputThatIsNotAnSqsEventIsRefusedSayingWhy() throws Exception {
        TransformStreamHandler handler = handler();
        BadRequestException notJson = assertThrows(BadRequestException.class, () -> invoke(handler, "{oops"));
        assertTrue(notJson.getMessage().startsWith("transform input is not JSON"), notJson.getMessage());
        BadRequestException noRecords =
                assertThrows(BadRequestException.class, () -> invoke(handler, "{\"detail-type\":\"x\"}"));
        assertTrue(noRecords.getMessage().contains("\"Records\" array"), noRecords.getMessage());
        assertTrue(noRecords.getMessage().contains("detail-type"), noRecords.getMessage());
        BadRequestException noId =
                assertThrows(BadRequestException.class, () -> invoke(handler, "{\"Records\":[{\"body\":\"{}\"}]}"));
        assertFalse(noId.getMessage().isBlank());
        assertTrue(noId.getMessage().contains("record 0"), noId.getMessage());
    }

    private static TransformStreamHandler handler() throws Exception {
        return new TransformStreamHandler(stack.transformEnv(Files.createDirectories(dir.resolve("work"))));
    }

    private static String invoke(TransformStreamHandler handler, String event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(
                new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, RawObjects.context());
        return out.toString(StandardCharsets.UTF_8);
    }
}
