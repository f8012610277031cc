package dev.offerrecorder.operator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackStatusTest {
    private static final StackStatus.Run HALF_DONE = new StackStatus.Run(
            "r", 100L, "manifest", 50, 50, 5, Instant.EPOCH, Instant.EPOCH, 5.0, 5.0, 10L, List.of(), null);

    @Test
    void anEtaStandsWhileJobsAreQueued() {
        StackStatus status = status(3, HALF_DONE);
        assertFalse(status.drained());
        assertEquals(10L, status.run().etaSeconds());
    }

    @Test
    void nothingQueuedWithJobsMissingHasNoEta() {
        StackStatus status = status(0, HALF_DONE);
        assertTrue(status.drained());
        assertNull(status.run().etaSeconds(), "the missing jobs are in the DLQ or lost, not on their way");
        assertEquals(50, status.run().missing());
    }

    private static StackStatus status(long queuedJobs, StackStatus.Run run) {
        return new StackStatus(
                "test",
                Instant.EPOCH,
                List.of(
                        new StackStatus.Queue(StatusReader.JOBS, "u1", queuedJobs, 0, 0),
                        new StackStatus.Queue(StatusReader.JOB_DLQ, "u2", 50, 0, 0),
                        new StackStatus.Queue(StatusReader.FANOUT, "u3", 0, 0, 0)),
                List.of(),
                run);
    }
}
