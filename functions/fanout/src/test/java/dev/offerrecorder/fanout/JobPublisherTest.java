package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.time.LocalDate;
import java.util.function.LongFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The confirmed prefix counts only what SQS acknowledged, whatever a sending task throws. */
@WithEmbeddedStack
class JobPublisherTest {
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

    private static LongFunction<Job> jobsFailingAt(long bad, Throwable thrown) {
        return k -> {
            if (k == bad) {
                if (thrown instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) thrown;
            }
            return new Job("pub", Long.toString(1000 + k), LocalDate.of(2024, 1, 1));
        };
    }

    @Test
    void anErrorInASendingTaskStopsThePrefixBeforeItsBatchAndIsReported() throws Exception {
        var publisher = new JobPublisher(stack.sqs(), kit.jobQueue(), 1);
        JobPublisher.Outcome outcome =
                publisher.publish(0, 100, jobsFailingAt(45, new StackOverflowError("deep recursion")), () -> true);
        assertEquals(40, outcome.confirmedEnd(), "jobs 40..49 never reached SQS: the prefix must stop at 40");
        assertEquals(40, outcome.acknowledged(), "only what SQS confirmed is counted");
        assertNotNull(outcome.failure(), "the Error is the batch's failure, not silence");
        assertTrue(
                outcome.failure().getMessage().contains("jobs 40..49"),
                outcome.failure().getMessage());
        assertTrue(
                outcome.failure().getMessage().contains("StackOverflowError"),
                outcome.failure().getMessage());
        assertInstanceOf(StackOverflowError.class, outcome.failure().getCause());
        assertEquals(40, kit.drainJobs(1).distinct(), "exactly the confirmed jobs are in the queue");
    }

    @Test
    void withSeveralBatchesInFlightTheErrorStillEndsThePrefixAtItsBatch() throws Exception {
        var publisher = new JobPublisher(stack.sqs(), kit.jobQueue(), 4);
        JobPublisher.Outcome outcome =
                publisher.publish(0, 200, jobsFailingAt(45, new AssertionError("a bug")), () -> true);
        assertEquals(40, outcome.confirmedEnd());
        assertNotNull(outcome.failure());
        assertInstanceOf(AssertionError.class, outcome.failure().getCause());
        assertTrue(outcome.acknowledged() >= 40 && outcome.acknowledged() <= 190, "" + outcome.acknowledged());
    }
}
