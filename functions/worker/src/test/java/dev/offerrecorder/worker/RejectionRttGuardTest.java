package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.netflix.concurrency.limits.Limit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gate's Vegas settings fed the samples a fragile API produces: answers at 100 ms from 8 workers (longer when
 * more calls wait in its queue), then one 503 that came back in 1 ms. The library on its own takes the 503's round trip as the no-load RTT and shrinks on every later
 * answer; behind the guard the drop costs one step and the limit keeps its footing.
 */
class RejectionRttGuardTest {
    private static final long ANSWER = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long FAST_503 = TimeUnit.MILLISECONDS.toNanos(1);
    /** Start times: each sample's call starts 10 ms after the one before. */
    private long clock;

    private long next() {
        return clock += TimeUnit.MILLISECONDS.toNanos(10);
    }

    /** An API with 8 workers: beyond them a call waits in its queue, so the round trip grows with concurrency. */
    private static long answer(int inflight) {
        return ANSWER * Math.max(8, inflight) / 8;
    }

    /**
     * Answers at the limit's own concurrency (not app-limited), one fast 503, then answers again: the lowest limit
     * after the 503 (the library recovers only when its next probe re-measures the no-load RTT, every
     * 15-30 x limit samples).
     */
    private int afterAFastRejection(Limit limit, int answersAfter) {
        for (int i = 0; i < 50; i++) {
            limit.onSample(next(), answer(limit.getLimit()), limit.getLimit(), false);
        }
        limit.onSample(next(), FAST_503, limit.getLimit(), true);
        int lowest = limit.getLimit();
        for (int i = 0; i < answersAfter; i++) {
            limit.onSample(next(), answer(limit.getLimit()), limit.getLimit(), false);
            lowest = Math.min(lowest, limit.getLimit());
        }
        return lowest;
    }

    @Test
    void aFastRejectionDoesNotBecomeTheNoLoadRoundTrip() {
        Limit raw = ApiConcurrencyGate.vegas(8, 64);
        Limit guarded = new ApiConcurrencyGate.RejectionRttGuard(ApiConcurrencyGate.vegas(8, 64));
        int rawLimit = afterAFastRejection(raw, 40);
        int guardedLimit = afterAFastRejection(guarded, 40);
        assertTrue(
                rawLimit <= 3,
                "the library alone collapses after a fast 503 (this is why the guard exists): " + rawLimit);
        assertTrue(guardedLimit >= 7, "behind the guard the limit stays near the API's 8 workers: " + guardedLimit);
    }

    @Test
    void aDropStillLowersTheLimitAndADropBeforeAnyAnswerIsNotASample() {
        Limit guarded = new ApiConcurrencyGate.RejectionRttGuard(ApiConcurrencyGate.vegas(8, 64));
        guarded.onSample(ms(0), FAST_503, 8, true);
        assertEquals(8, guarded.getLimit(), "no answer yet: nothing to compare with");
        guarded.onSample(ms(10), ANSWER, 8, false);
        int before = guarded.getLimit();
        guarded.onSample(ms(200), FAST_503, before, true);
        assertEquals((int) (before * ApiConcurrencyGate.DROP_FACTOR), guarded.getLimit(), "a drop steps well back");
    }

    @Test
    void oneDecreasePerEpisodeAndNoGrowthFromCallsSentUnderTheOldLimit() {
        Limit guarded = new ApiConcurrencyGate.RejectionRttGuard(ApiConcurrencyGate.vegas(16, 64));
        guarded.onSample(ms(0), ANSWER, 16, false);
        int start = guarded.getLimit();
        guarded.onSample(ms(300), FAST_503, start, true);
        int afterFirst = guarded.getLimit();
        assertTrue(afterFirst < start);
        // Calls that were already in flight when the first 503 came back (started at 250-299 ms).
        guarded.onSample(ms(290), FAST_503, start, true);
        guarded.onSample(ms(295), FAST_503, start, true);
        assertEquals(afterFirst, guarded.getLimit(), "the same episode decreases once");
        guarded.onSample(ms(250), ANSWER, start, false);
        assertEquals(afterFirst, guarded.getLimit(), "an answer sent under the old limit does not grow it back");
        // A call started after the decrease took effect is news again.
        guarded.onSample(ms(400), FAST_503, afterFirst, true);
        assertTrue(guarded.getLimit() < afterFirst, "a new episode decreases again");
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
