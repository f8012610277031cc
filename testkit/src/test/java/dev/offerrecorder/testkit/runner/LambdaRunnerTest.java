package dev.offerrecorder.testkit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner holds handlers to Lambda's rules: killed at their timeout, and queues at 6x that visibility. */
class LambdaRunnerTest {
    @TempDir
    Path dir;

    /** Hangs on the first delivery of every message; answers at once on the second. */
    static final class HangsOnce implements RequestHandler<SQSEvent, SQSBatchResponse> {
        final int container;
        final List<String> log;

        HangsOnce(int container, List<String> log) {
            this.container = container;
            this.log = log;
        }

        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, com.amazonaws.services.lambda.runtime.Context ctx) {
            for (SQSEvent.SQSMessage m : event.getRecords()) {
                int receives = Integer.parseInt(m.getAttributes().get("ApproximateReceiveCount"));
                log.add("container " + container + " got " + m.getBody() + " (receive " + receives + ")");
                if (receives == 1) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        log.add("container " + container + " interrupted");
                        Thread.currentThread().interrupt();
                        return SQSBatchResponse.builder().build();
                    }
                }
            }
            return SQSBatchResponse.builder().build();
        }
    }

    @Test
    void aHandlerPastItsTimeoutIsStoppedItsBatchComesBackAndItsContainerIsReplaced() throws Exception {
        Duration timeout = Duration.ofMillis(500);
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local().withWorkerTimeout(timeout));
                LambdaRunner runner = new LambdaRunner(stack.sqs(), "us-east-1")) {
            String queue = stack.url(stack.layout().jobQueue());
            List<String> log = new CopyOnWriteArrayList<>();
            AtomicInteger containers = new AtomicInteger();
            runner.start(new SqsEventSource(
                    "worker",
                    queue,
                    stack.arn(queue),
                    10,
                    Duration.ZERO,
                    1,
                    timeout,
                    () -> new HangsOnce(containers.incrementAndGet(), log)));
            stack.sqs().sendMessage(r -> r.queueUrl(queue).messageBody("job-1"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (stack.depth(stack.layout().jobQueue()).total() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), "the batch came back and was done: " + log);
            assertEquals(1, runner.timeouts(), log.toString());
            assertTrue(log.contains("container 1 interrupted"), log.toString());
            assertTrue(log.contains("container 2 got job-1 (receive 2)"), "a fresh container took the retry: " + log);
        }
    }

    @Test
    void aQueueWhoseVisibilityIsBelowSixTimesTheTimeoutIsRefused() throws Exception {
        try (EmbeddedStack stack =
                        EmbeddedStack.start(dir, StackLayout.local().withWorkerTimeout(Duration.ofSeconds(2)));
                LambdaRunner runner = new LambdaRunner(stack.sqs(), "us-east-1")) {
            String queue = stack.url(stack.layout().jobQueue());
            var e = assertThrows(
                    IllegalStateException.class,
                    () -> runner.start(new SqsEventSource(
                            "worker",
                            queue,
                            stack.arn(queue),
                            10,
                            Duration.ZERO,
                            1,
                            Duration.ofSeconds(3),
                            () -> new HangsOnce(1, new CopyOnWriteArrayList<>()))));
            assertTrue(
                    e.getMessage().contains("visibility timeout of 12 s, below 6x worker's timeout"), e.getMessage());
        }
    }

    /**
     * Blocks its first invocation until the queue shows more messages in flight than this batch holds (the next
     * batch received meanwhile), or 10 s pass; notes which.
     */
    static final class WaitsForTheNextBatch implements RequestHandler<SQSEvent, SQSBatchResponse> {
        final EmbeddedStack stack;
        final List<String> log;
        final AtomicInteger handled = new AtomicInteger();

        WaitsForTheNextBatch(EmbeddedStack stack, List<String> log) {
            this.stack = stack;
            this.log = log;
        }

        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, com.amazonaws.services.lambda.runtime.Context ctx) {
            int size = event.getRecords().size();
            if (log.isEmpty()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                long notVisible = 0;
                while (System.nanoTime() < deadline
                        && (notVisible = stack.depth(stack.layout().jobQueue()).inFlight()) <= size) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                log.add(
                        notVisible > size
                                ? "first batch: the next one was received while it ran"
                                : "first batch: no other message in flight within 10 s");
            } else {
                log.add("next batch");
            }
            handled.addAndGet(size);
            return SQSBatchResponse.builder().build();
        }
    }

    @Test
    void theNextBatchIsReceivedWhileTheCurrentInvocationRuns() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local());
                LambdaRunner runner = new LambdaRunner(stack.sqs(), "us-east-1")) {
            String queue = stack.url(stack.layout().jobQueue());
            for (int i = 0; i < 10; i++) {
                int n = i;
                stack.sqs().sendMessage(r -> r.queueUrl(queue).messageBody("job-" + n));
            }
            List<String> log = new CopyOnWriteArrayList<>();
            var handler = new WaitsForTheNextBatch(stack, log);
            runner.start(new SqsEventSource(
                    "worker",
                    queue,
                    stack.arn(queue),
                    5,
                    Duration.ZERO,
                    1,
                    stack.layout().workerTimeout(),
                    () -> handler));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((stack.depth(stack.layout().jobQueue()).total() > 0 || !runner.idle())
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("first batch: the next one was received while it ran", log.getFirst(), log.toString());
            assertEquals(10, handler.handled.get(), "every message invoked once: " + log);
            assertEquals(0, stack.depth(stack.layout().jobQueue()).total());
        }
    }
}
