package dev.offerrecorder.e2e.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.replay.ReplayHandler;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.worker.ApiCredential;
import dev.offerrecorder.worker.BatchResult;
import dev.offerrecorder.worker.JobMessage;
import dev.offerrecorder.worker.WorkerConfig;
import dev.offerrecorder.worker.WorkerService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A job the API keeps refusing (HTTP 401, a revoked token) goes through SQS's receives into the DLQ, and the
 * replay's peek shows why: the API's last answer, not only how often it was received.
 */
@WithEmbeddedStack
class ParkedReasonTest {
    static EmbeddedStack stack;

    @Test
    void aJobParkedAfterRepeated401sShowsThe401InPeek() throws Exception {
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            api.requireToken("tok-1");
            api.revokeTokens();
            WorkerService worker = WorkerService.create(
                    WorkerConfig.from(stack.workerEnv(api.urlTemplate()).with("WRITE_RESERVE_MS", "2000")),
                    stack.s3(),
                    new ApiCredential(() -> Optional.of("tok-1")),
                    new JsonLog("worker", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)),
                    new NewRelicTracing());
            String jobs = stack.sqs()
                    .getQueueUrl(r -> r.queueName(stack.layout().jobQueue()))
                    .queueUrl();
            String body = new JobCodec().encode(new Job("parked", "42", LocalDate.of(2024, 7, 1)));
            stack.sqs().sendMessage(r -> r.queueUrl(jobs).messageBody(body));
            // As the event source does: receive, process, leave failed messages for SQS to deliver again.
            int deliveries = 0;
            for (int i = 0; i < 30; i++) {
                List<Message> got = stack.sqs()
                        .receiveMessage(r -> r.queueUrl(jobs).waitTimeSeconds(1).visibilityTimeout(1))
                        .messages();
                // SQS moves it to the DLQ on a receive after the last allowed one, once its visibility has run out:
                // an empty receive before that (a quick last delivery) does not mean it has moved yet.
                if (got.isEmpty()
                        && deliveries >= stack.layout().jobMaxReceiveCount()
                        && stack.depth(stack.layout().jobDlq()).total() > 0) {
                    break;
                }
                for (Message m : got) {
                    deliveries++;
                    BatchResult result = worker.process(List.of(new JobMessage(m.messageId(), m.body())), () -> 60_000);
                    assertEquals(List.of(m.messageId()), result.failedMessageIds(), "never acknowledged");
                }
            }
            assertEquals(stack.layout().jobMaxReceiveCount(), deliveries, "delivered until SQS parked it");
            var replay = new ReplayHandler(stack.replayEnv());
            JsonNode peek = Json.newMapper()
                    .readTree(LambdaRunner.invokeDirect(
                            replay, "replay", "{\"action\":\"peek\",\"sample\":10}", Duration.ofMinutes(1)));
            assertEquals(1, peek.path("sampled").asInt(), peek.toString());
            JsonNode group = peek.path("reasons").get(0);
            assertEquals(
                    "api auth failure: HTTP 401 from the API",
                    group.path("reason").asText(),
                    peek.toString());
            assertEquals(
                    "parked/42/2024-07-01",
                    group.path("samples").get(0).path("job").asText());
        }
    }
}
