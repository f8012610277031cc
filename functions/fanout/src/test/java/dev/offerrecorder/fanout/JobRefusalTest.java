package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedAws;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * SQS refuses one batch of a slice for good after others went through: the slice hands over at its confirmed
 * prefix, and the hand-over, run by a healthy invocation, enqueues the rest. Nothing is lost, and while the
 * refused batch was being retried no batch after it was started, so little is sent twice. The refusal is an SDK
 * interceptor on the fan-out's own client (ElasticMQ cannot be told to fail one request); everything else is the
 * embedded SQS.
 */
@WithEmbeddedStack
class JobRefusalTest {
    static EmbeddedStack stack;
    static FanoutKit kit;

    @BeforeAll
    static void start() throws Exception {
        kit = new FanoutKit(stack);
    }

    /** Fails every SendMessageBatch to the job queue that carries shop 45's job, as SQS answering 500 would. */
    private static SqsClient refusingShop45(AtomicInteger refusals) {
        ExecutionInterceptor refuse = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof SendMessageBatchRequest r
                        && r.queueUrl().endsWith("jobs")
                        && r.entries().stream().anyMatch(e -> e.messageBody().contains("\"shopId\":\"45\""))) {
                    refusals.incrementAndGet();
                    throw SqsException.builder()
                            .statusCode(500)
                            .message("injected: SQS unavailable")
                            .build();
                }
            }
        };
        return SqsClient.builder()
                .region(Region.of(EmbeddedAws.REGION))
                .endpointOverride(stack.aws().sqsEndpoint())
                .overrideConfiguration(c -> c.addExecutionInterceptor(refuse))
                .build();
    }

    @Test
    void aBatchRefusedAfterProgressHandsOverAtTheConfirmedPrefixAndNothingIsLost() throws Exception {
        assertTrue(kit.jobQueue().endsWith("jobs"), kit.jobQueue());
        Env env = stack.fanoutEnv().with("SEND_CONCURRENCY", "4");
        AtomicInteger refusals = new AtomicInteger();
        JsonLog quiet = new JsonLog("refusal-test", new PrintStream(OutputStream.nullOutputStream()));
        FanoutSummary summary;
        try (SqsClient refusing = refusingShop45(refusals)) {
            var service = new FanoutService(
                    FanoutConfig.from(env), refusing, new ManifestReader(stack.s3()), Clock.systemUTC(), quiet);
            JsonNode request = Json.newMapper()
                    .readTree("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\","
                            + "\"shopRange\":{\"from\":1,\"to\":100},\"runId\":\"refusal\"}");
            summary = service.handle(request, () -> 600_000);
        }
        assertEquals("handed-over", summary.status(), summary.toString());
        assertEquals(40L, summary.resumeAt(), "jobs 0..39 (shops 1..40) are confirmed; shop 45 is job 44");
        assertTrue(
                summary.handoverReason().startsWith("SendMessageBatch for jobs 40..49 failed after 4 attempts"),
                summary.handoverReason());
        assertEquals(4, refusals.get(), "the refused batch was tried four times");

        // The continuation waits 5 s (a delayed message) and counts the refusal.
        Message continuation = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (continuation == null) {
            assertTrue(System.nanoTime() < deadline, "no hand-over message after 30 s");
            var got = stack.sqs()
                    .receiveMessage(r ->
                            r.queueUrl(kit.fanoutQueue()).waitTimeSeconds(1).messageAttributeNames("All"))
                    .messages();
            continuation = got.isEmpty() ? null : got.getFirst();
        }
        JsonNode slice = Json.newMapper().readTree(continuation.body());
        assertEquals(40, slice.path("cursor").asLong());
        assertEquals(1, slice.path("failures").asInt());

        // A healthy invocation takes the hand-over.
        String arn = stack.arn(kit.fanoutQueue());
        LambdaRunner.invokeSqs(
                new SliceHandler(env),
                "fanout-slices",
                LambdaRunner.sqsEventJson(List.of(continuation), arn, EmbeddedAws.REGION),
                Duration.ofMinutes(1));
        FanoutKit.Drained drained = kit.drainJobs(2);
        assertEquals(100, drained.distinct(), "every job is enqueued");
        // While the refused batch was retried no new batch started: only the three already in flight beside it
        // (30 jobs at most) can have been sent before the hand-over and again after it.
        assertTrue(drained.duplicates() <= 30, "sent twice: " + drained.duplicates());
    }
}
