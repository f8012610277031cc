package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.runner.LocalContext;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * A job that failed comes back after the worker's retry delay, not after the job queue's visibility timeout (6x the
 * worker's timeout: 6 minutes on the local stack, 30 minutes deployed).
 */
@WithEmbeddedStack
class RetrySchedulerTest {
    static EmbeddedStack stack;

    @Test
    void delaysDoublePerReceiveUpToTheCap() {
        var retries = new RetryScheduler(null, Optional.empty(), Duration.ofSeconds(30), quietLog());
        assertEquals(30, retries.delaySeconds(1));
        assertEquals(60, retries.delaySeconds(2));
        assertEquals(480, retries.delaySeconds(5));
        assertEquals(RetryScheduler.MAX_DELAY_SECONDS, retries.delaySeconds(6));
        assertEquals(RetryScheduler.MAX_DELAY_SECONDS, retries.delaySeconds(1000));
    }

    @Test
    void aFailedJobIsBackAfterTheRetryDelayNotTheVisibilityTimeout() throws Exception {
        String queue = stack.url(stack.layout().jobQueue());
        assertTrue(stack.layout().jobVisibility().toSeconds() >= 60, "the queue's visibility is long");
        try (CalcApiSimulator api = new CalcApiSimulator(4, 4, 1, 0)) {
            api.setFaults(SimulatorFaults.none().withFailingShops(Set.of("13")));
            Env env = stack.workerEnv(api.urlTemplate())
                    .with("API_MAX_ATTEMPTS", "1")
                    .with("RETRY_DELAY_SECONDS", "1");
            WorkerHandler handler = new WorkerHandler(env);
            Job job = new Job("retry-test", "13", LocalDate.of(2024, 1, 1));
            stack.sqs().sendMessage(r -> r.queueUrl(queue).messageBody(new JobCodec().encode(job)));

            List<Message> first = receive(queue, 5);
            assertEquals(1, first.size());
            var response = handler.handleRequest(event(first, queue), new LocalContext("worker", 60_000, 512));
            assertEquals(1, response.getBatchItemFailures().size(), "shop 13 fails");

            List<Message> again = receive(queue, 10);
            assertEquals(1, again.size(), "the failed job is back well before the 360 s visibility timeout");
            assertEquals("2", again.get(0).attributesAsStrings().get("ApproximateReceiveCount"));
            stack.sqs().deleteMessage(r -> r.queueUrl(queue)
                    .receiptHandle(again.get(0).receiptHandle()));
        }
    }

    private static List<Message> receive(String queue, int waitSeconds) {
        return stack.sqs()
                .receiveMessage(r -> r.queueUrl(queue)
                        .waitTimeSeconds(waitSeconds)
                        .maxNumberOfMessages(10)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames("All"))
                .messages();
    }

    private static SQSEvent event(List<Message> messages, String queue) {
        String json = LambdaRunner.sqsEventJson(messages, stack.arn(queue), "us-east-1");
        return LambdaEventSerializers.serializerFor(SQSEvent.class, RetrySchedulerTest.class.getClassLoader())
                .fromJson(json);
    }

    private static JsonLog quietLog() {
        return new JsonLog("test", new PrintStream(OutputStream.nullOutputStream()));
    }
}
