package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Big backfills cannot outlive the job queue: a plan longer than its retention at the API's capacity is refused,
 * and slices are released only while the job queue is below its release mark (held-back slices come back as new
 * delayed messages, so their age and receive count start again).
 */
@WithEmbeddedStack
class ReleasePacingTest {
    static EmbeddedStack stack;
    static FanoutKit kit;

    @BeforeAll
    static void kit() {
        kit = new FanoutKit(stack);
    }

    @BeforeEach
    void purge() {
        kit.purge();
    }

    @Test
    void aPlanLongerThanTheJobQueuesRetentionAtTheApisCapacityIsRefusedNamingTheNumbers() throws Exception {
        // ElasticMQ reports no MessageRetentionPeriod, so SQS's default of 4 days applies (template.yaml sets 12 days
        // and SQS reports it): at 1 request/s at most 345,600 jobs fit.
        Env env = stack.fanoutEnv().with("API_RATE_PER_SECOND", "1");
        var e = assertThrows(
                BadRequestException.class,
                () -> kit.invoke(
                        env,
                        "{\"from\":\"2024-01-01\",\"to\":\"2024-01-04\",\"shopRange\":{\"from\":1,\"to\":100000},"
                                + "\"runId\":\"too-long\"}"));
        assertEquals(
                "run too-long plans 400000 jobs: at the API's capacity of 1 requests/s (API_RATE_PER_SECOND) that"
                        + " is PT111H6M40S, longer than the job queue keeps a message (PT96H, MessageRetentionPeriod"
                        + " 345600 s); split it into runs of at most 345600 jobs (fewer days or shops per request)",
                e.getMessage());
        assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), "nothing is enqueued");
        assertEquals(0, stack.depth(stack.layout().fanoutQueue()).total(), "no slice is sent");

        JsonNode fits = kit.invoke(
                env,
                "{\"from\":\"2024-01-01\",\"to\":\"2024-01-03\",\"shopRange\":{\"from\":1,\"to\":100000},"
                        + "\"runId\":\"fits\",\"dryRun\":true}");
        assertEquals(300_000, fits.path("jobsPlanned").asLong(), fits.toString());
    }

    @Test
    void aSliceWaitsWhileTheJobQueueIsAboveItsReleaseMarkAndRunsOnceItDrains() throws Exception {
        Env env = stack.fanoutEnv().with("RELEASE_HIGH_WATER_JOBS", "5").with("RELEASE_DEFER_SECONDS", "1");
        fillJobQueue(7);
        Message slice = sliceMessage("""
                {"runId":"paced","part":1,"parts":1,"from":"2024-01-01","to":"2024-01-01",
                 "shops":{"type":"range","rangeFrom":1,"rangeTo":20},"shopStart":0,"shopEnd":20,"cursor":0,"end":20,
                 "failures":0}""");

        var held = LambdaRunner.invokeSqs(new SliceHandler(env), "fanout-slices", event(slice), Duration.ofMinutes(1));
        assertTrue(held.getBatchItemFailures().isEmpty(), "holding back is not a failure: the message is done");
        assertEquals(7, stack.depth(stack.layout().jobQueue()).total(), "no job was released");
        Message deferred = receiveSlice();
        assertTrue(!deferred.messageId().equals(slice.messageId()), "a new message, so its age starts again");
        assertEquals("1", deferred.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
        assertEquals(Json.newMapper().readTree(slice.body()), Json.newMapper().readTree(deferred.body()), "same slice");

        stack.sqs().purgeQueue(r -> r.queueUrl(kit.jobQueue()));
        var ran =
                LambdaRunner.invokeSqs(new SliceHandler(env), "fanout-slices", event(deferred), Duration.ofMinutes(1));
        assertTrue(ran.getBatchItemFailures().isEmpty());
        assertEquals(20, kit.drainJobs(1).distinct(), "below the mark the slice enqueues its jobs");
    }

    private void fillJobQueue(int n) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(SendMessageBatchRequestEntry.builder()
                    .id(Integer.toString(i))
                    .messageBody("{\"v\":1,\"runId\":\"backlog\",\"shopId\":\"" + i + "\",\"date\":\"2024-01-01\"}")
                    .build());
        }
        stack.sqs().sendMessageBatch(r -> r.queueUrl(kit.jobQueue()).entries(entries));
    }

    private Message sliceMessage(String body) {
        stack.sqs().sendMessage(r -> r.queueUrl(kit.fanoutQueue()).messageBody(body));
        return receiveSlice();
    }

    private Message receiveSlice() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var got = stack.sqs()
                    .receiveMessage(r -> r.queueUrl(kit.fanoutQueue())
                            .waitTimeSeconds(1)
                            .visibilityTimeout(600)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                            .messageAttributeNames("All"))
                    .messages();
            if (!got.isEmpty()) {
                stack.sqs().deleteMessage(r -> r.queueUrl(kit.fanoutQueue())
                        .receiptHandle(got.getFirst().receiptHandle()));
                return got.getFirst();
            }
        }
        throw new AssertionError("no slice message on the fan-out queue within 20 s");
    }

    private String event(Message m) {
        return LambdaRunner.sqsEventJson(List.of(m), stack.arn(kit.fanoutQueue()), "us-east-1");
    }
}
