package dev.offerrecorder.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** The replay service against ElasticMQ: peeking consumes nothing, one task at a time, rates as asked. */
@WithEmbeddedStack(maxReceiveCount = 1)
class ReplayServiceTest {
    static EmbeddedStack stack;
    ReplayService replay;
    String jobs;
    String dlq;

    @BeforeEach
    void empty() throws InterruptedException {
        jobs = stack.url(stack.layout().jobQueue());
        dlq = stack.url(stack.layout().jobDlq());
        replay = new ReplayService(stack.sqs(), dlq, jobs);
        replay.cancelRunning();
        await(() -> replay.running().isEmpty(), "no task running");
        stack.sqs().purgeQueue(r -> r.queueUrl(jobs));
        stack.sqs().purgeQueue(r -> r.queueUrl(dlq));
    }

    @Test
    void peekGroupsTheDlqByReasonAndConsumesNothing() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int shop = 1; shop <= 4; shop++) {
            bodies.add("{\"v\":1,\"runId\":\"peek\",\"shopId\":\"" + shop + "\",\"date\":\"2024-01-01\"}");
        }
        bodies.add("not json at all");
        bodies.add("{\"v\":1,\"runId\":\"peek\",\"shopId\":\"../etc\",\"date\":\"2024-01-01\"}");
        send(jobs, bodies);
        failEveryDeliveryUntilDeadLettered(bodies.size());

        ReplayService.DlqPeek peek = replay.peek(50);
        assertEquals(6, peek.visible());
        assertEquals(6, peek.sampled());
        assertNotNull(peek.oldestSentAt());
        assertTrue(peek.oldestAgeSeconds() >= 0);
        Map<String, Integer> counts = new java.util.HashMap<>();
        peek.reasons().forEach(g -> counts.put(g.reason(), g.count()));
        assertEquals(4, counts.get("valid job, failed after 1 receive"), peek.toString());
        assertEquals(
                1,
                counts.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("invalid message: message body is not JSON"))
                        .mapToInt(Map.Entry::getValue)
                        .sum(),
                peek.toString());
        assertEquals(
                1,
                counts.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("invalid message: shopId '../etc'"))
                        .mapToInt(Map.Entry::getValue)
                        .sum(),
                peek.toString());
        ReplayService.ReasonGroup valid = peek.reasons().getFirst();
        assertEquals(3, valid.samples().size(), "at most three samples per reason");
        assertTrue(valid.samples().getFirst().job().startsWith("peek/"), valid.toString());

        assertEquals(6, visible(dlq), "peeked messages are visible again at once");
        ReplayService.DlqPeek again = replay.peek(50);
        assertEquals(6, again.sampled(), "a second peek sees them all again");
        assertTrue(
                again.reasons().stream().anyMatch(g -> g.reason().equals("valid job, failed after 2 receives")),
                "each peek is a receive of its own: " + again);
    }

    @Test
    void aSecondReplayIsRefusedWhileTheFirstRunsAndTheRateIsKept() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            bodies.add("{\"v\":1,\"runId\":\"slow\",\"shopId\":\"" + i + "\",\"date\":\"2024-01-01\"}");
        }
        send(dlq, bodies);

        ReplayService.StartResult first = replay.start(1);
        assertEquals(ReplayService.StartResult.Status.STARTED, first.status(), first.toString());
        assertEquals(300, first.dlqMessages());
        ReplayService.StartResult second = replay.start(1);
        assertEquals(ReplayService.StartResult.Status.REFUSED, second.status(), second.toString());
        assertEquals(first.taskHandle(), second.running().taskHandle());
        assertTrue(
                second.message().contains("already running") && second.message().contains(first.taskHandle()),
                second.message());
        ReplayService.Task running = replay.running().orElseThrow();
        assertEquals(1, running.maxPerSecond());
        assertEquals("RUNNING", running.status());

        assertEquals(first.taskHandle(), replay.cancelRunning().orElseThrow().taskHandle());
        await(() -> replay.running().isEmpty(), "the cancelled task to stop");
        assertTrue(visible(dlq) > 250, "a 1/s task moved only a few before it was cancelled");

        ReplayService.StartResult fast = replay.start(ReplayService.SQS_MAX_RATE);
        assertEquals(ReplayService.StartResult.Status.STARTED, fast.status(), fast.toString());
        await(() -> visible(dlq) == 0 && visible(jobs) == 300, "every message back in the job queue");
    }

    @Test
    void anEmptyDlqHasNothingToMove() {
        ReplayService.StartResult result = replay.start(10);
        assertEquals(ReplayService.StartResult.Status.NOTHING_TO_MOVE, result.status());
        assertEquals(0, replay.peek(10).sampled());
    }

    @Test
    void theHandlerPeeksByDefaultAndRejectsARateAboveTheApisCapacity() throws Exception {
        send(dlq, List.of("{\"v\":1,\"runId\":\"h\",\"shopId\":\"1\",\"date\":\"2024-01-01\"}"));
        var handler = new ReplayHandler(stack.replayEnv().with("API_CAPACITY_RPS", "10"));
        JsonNode peek =
                Json.newMapper().readTree(LambdaRunner.invokeDirect(handler, "replay", "{}", Duration.ofMinutes(1)));
        assertEquals(1, peek.path("visible").asInt(), peek.toString());
        var e = assertThrows(
                BadRequestException.class,
                () -> LambdaRunner.invokeDirect(
                        handler, "replay", "{\"action\":\"start\",\"maxPerSecond\":11}", Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("above the API's capacity of 10"), e.getMessage());
        JsonNode started = Json.newMapper()
                .readTree(
                        LambdaRunner.invokeDirect(handler, "replay", "{\"action\":\"start\"}", Duration.ofMinutes(1)));
        assertEquals(5, started.path("maxPerSecond").asInt(), "the default rate is half the capacity");
        assertEquals("STARTED", started.path("status").asText());
    }

    /** Receives each message without deleting it until SQS moves it to the DLQ (maxReceiveCount 1). */
    private void failEveryDeliveryUntilDeadLettered(int messages) throws InterruptedException {
        await(
                () -> {
                    stack.sqs()
                            .receiveMessage(r ->
                                    r.queueUrl(jobs).maxNumberOfMessages(10).visibilityTimeout(0));
                    return visible(dlq) == messages;
                },
                messages + " messages in the DLQ");
    }

    private void send(String queueUrl, List<String> bodies) {
        for (int i = 0; i < bodies.size(); i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (String body : bodies.subList(i, Math.min(bodies.size(), i + 10))) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .messageBody(body)
                        .build());
            }
            stack.sqs().sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
        }
    }

    private static long visible(String queueUrl) {
        return Long.parseLong(stack.sqs()
                .getQueueAttributes(
                        r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 30 s for " + what);
            }
            Thread.sleep(100);
        }
    }
}
