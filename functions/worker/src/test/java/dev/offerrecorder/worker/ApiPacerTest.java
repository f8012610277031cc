package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The pacer on a fake clock: sleeping advances it, so every figure here is exact and nothing depends on timing. */
class ApiPacerTest {
    private static final long MS = 1_000_000L;
    private static final long FAR = Long.MAX_VALUE / 4;

    /** A clock that only moves when the pacer sleeps (or the test advances it); safe across threads. */
    static class FakeTicker implements ApiPacer.Ticker {
        long now = 1_000 * MS;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public synchronized long nanoTime() {
            return now;
        }

        @Override
        public synchronized void sleep(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }
    }

    private static long start(ApiPacer pacer) throws InterruptedException {
        return pacer.acquire(FAR).orElseThrow();
    }

    @Test
    void startsAreSpacedAtTheShareWithoutABurst() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(4.0, clock); // 4 requests/s: one start every 250 ms
        long first = start(pacer);
        List<Long> gaps = new ArrayList<>();
        long previous = first;
        for (int i = 0; i < 8; i++) {
            long s = start(pacer);
            gaps.add(s - previous);
            previous = s;
        }
        assertEquals(List.of(250 * MS, 250 * MS, 250 * MS, 250 * MS, 250 * MS, 250 * MS, 250 * MS, 250 * MS), gaps);
        assertEquals(first + 8 * 250 * MS, clock.now, "eight intervals for nine starts: none came early");
    }

    @Test
    void anIdleContainerStartsAtOnceButBanksNoCredit() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(4.0, clock);
        start(pacer);
        clock.now += 10_000 * MS; // ten seconds between batches
        long a = start(pacer);
        long b = start(pacer);
        assertEquals(clock.now - 250 * MS, a, "the first start after a pause is not delayed");
        assertEquals(250 * MS, b - a, "and the second waits its interval: no burst from the idle time");
    }

    @Test
    void aSlightlyLateStartKeepsTheSchedule() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(4.0, clock);
        long a = start(pacer);
        clock.now = a + 260 * MS; // 10 ms late, as a sleep may overshoot
        long b = start(pacer);
        long c = start(pacer);
        assertEquals(a + 500 * MS, c, "the lateness is made up, so the rate holds");
        assertEquals(240 * MS, c - b);
    }

    @Test
    void aDropSlowsTheRateOncePerEpisodeAndAnswersBringItBack() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(10.0, clock);
        long[] inFlight = new long[5];
        for (int i = 0; i < inFlight.length; i++) {
            inFlight[i] = start(pacer);
        }
        // All five were sent at the old rate; their drops are one piece of news.
        for (long s : inFlight) {
            pacer.dropped(s);
        }
        assertEquals(9.0, pacer.rateRps(), 1e-9);
        // Nor do their late answers grow the rate straight back.
        pacer.answered(inFlight[0]);
        assertEquals(9.0, pacer.rateRps(), 1e-9);
        long a = start(pacer);
        long b = start(pacer);
        assertEquals((long) (1e9 / 9.0), b - a, "the next start already follows the lower rate");
        // A drop of a call sent after the decrease is a new episode.
        pacer.dropped(b);
        assertEquals(8.1, pacer.rateRps(), 1e-9);
        // Each answer of a later call adds 1 % of the share, up to the share and no further.
        for (int i = 0; i < 30; i++) {
            pacer.answered(start(pacer));
        }
        assertEquals(10.0, pacer.rateRps(), 1e-9);
    }

    @Test
    void theRateNeverFallsBelowItsFloor() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, clock);
        for (int i = 0; i < 200; i++) {
            pacer.dropped(start(pacer));
        }
        assertEquals(20.0 * ApiPacer.FLOOR, pacer.rateRps(), 1e-9);
    }

    @Test
    void aDeadlineBeforeTheNextStartGivesUpAtOnceAndTakesNothing() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(2.0, clock); // 500 ms apart
        long a = start(pacer);
        OptionalLong refused = pacer.acquire(clock.now + 100 * MS);
        assertTrue(refused.isEmpty(), "the next start is 500 ms away, the deadline 100 ms");
        assertEquals(List.of(), clock.sleeps, "it did not sleep towards a start it could not take");
        assertTrue(pacer.acquire(clock.now).isEmpty(), "a deadline already here");
        // The turn was given back and the schedule is untouched: the next caller starts on time.
        assertEquals(a + 500 * MS, start(pacer));
    }

    @Test
    void waitersOnRealThreadsAllGetTheirTurnAndNoneIsLeftHolding() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(100.0, clock);
        List<Long> starts = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                executor.submit(() -> {
                    starts.add(start(pacer));
                    return null;
                });
            }
        }
        assertEquals(50, starts.size());
        List<Long> sorted = new ArrayList<>(starts);
        sorted.sort(null);
        for (int i = 1; i < sorted.size(); i++) {
            assertTrue(sorted.get(i) - sorted.get(i - 1) >= 10 * MS, "starts 10 ms apart at least: " + sorted);
        }
        // The lock is free: one more start comes without waiting on another thread.
        assertTrue(pacer.acquire(clock.nanoTime() + 11 * MS).isPresent());
    }

    @Test
    void aShareMustBeAPositiveRate() {
        assertThrows(IllegalArgumentException.class, () -> new ApiPacer(0));
        assertThrows(IllegalArgumentException.class, () -> new ApiPacer(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new ApiPacer(Double.POSITIVE_INFINITY));
    }

    @Test
    void aSmallerShareAppliesAtOnceALargerOneIsClimbedTo() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(10.0, clock);
        long s = start(pacer);
        pacer.dropped(s);
        assertEquals(9.0, pacer.rateRps(), 1e-9);
        pacer.share(5.0);
        assertEquals(4.5, pacer.rateRps(), 1e-9, "smaller: at once, still 0.9 of the share");
        long a = start(pacer);
        long b = start(pacer);
        assertEquals(1e9 / 4.5, b - a, 1.0, "spaced at the new rate");
        pacer.share(20.0);
        assertEquals(4.5, pacer.rateRps(), 1e-9, "larger: not at once");
        for (int i = 0; i < 10; i++) {
            pacer.answered(start(pacer));
        }
        assertEquals(4.5 + 10 * ApiPacer.STEP * 20.0, pacer.rateRps(), 1e-9, "climbed by answers");
        assertThrows(IllegalArgumentException.class, () -> pacer.share(0));
    }

    @Test
    void sleepsThatOvershootAFewMillisecondsDoNotCostRateAtHighRates() throws Exception {
        // Every sleep ends 3 ms late (half an interval at 160/s), as on a busy machine.
        var clock = new FakeTicker() {
            @Override
            public synchronized void sleep(long nanos) {
                super.sleep(nanos + 3 * MS);
            }
        };
        var pacer = new ApiPacer(160.0, clock); // one start every 6.25 ms
        long first = start(pacer);
        for (int i = 0; i < 160; i++) {
            start(pacer);
        }
        // On schedule, 161 starts take 160 intervals (1 s); a late start is caught up by the next one.
        assertTrue(clock.now - first <= 1_000 * MS + 3 * MS, "took " + (clock.now - first) / MS + " ms");
    }

    @Test
    void aNewContainerStartsSlowAndGrowsByATenthOfItsSharePerAnswerUntilTheFirstDrop() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, ApiPacer.START, clock);
        assertEquals(5.0, pacer.rateRps(), 1e-9, "a quarter of the share");
        int answers = 0;
        while (pacer.rateRps() < 20.0) {
            pacer.answered(start(pacer));
            answers++;
        }
        assertEquals(8, answers, "from a quarter to the share at a tenth of it per answer");
        long s = start(pacer);
        pacer.dropped(s);
        double after = pacer.rateRps();
        pacer.answered(start(pacer));
        assertEquals(after + ApiPacer.STEP * 20.0, pacer.rateRps(), 1e-9, "after a drop: additive");
    }

    @Test
    void withALeadTheFirstWaveStartsAtOnceAndTheNextStartsKeepThePace() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(160.0, clock); // 6.25 ms apart; at 100 ms the pace needs 16 calls in flight
        int[] out = {0};
        // The gate's answer: 100 ms of lead while fewer than 16 calls are out.
        java.util.function.LongSupplier lead = () -> out[0] < 16 ? 100 * MS : 0;
        long t0 = clock.now + 10_000 * MS;
        clock.now = t0;
        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            starts.add(pacer.acquire(FAR, lead).orElseThrow());
            out[0]++;
        }
        for (int i = 0; i < 16; i++) {
            assertEquals(t0, starts.get(i), "start " + i + " of the first wave is not held back");
        }
        // The wave took the schedule's next 16 places: the 17th start comes where it would have without a lead.
        assertEquals(t0 + 16 * 6_250_000L, starts.get(16));
        assertEquals(6_250_000L, starts.get(17) - starts.get(16), "then at the pace");
    }

    @Test
    void aLeadNeverLetsTheRateExceedThePaceOverAStretchLongerThanTheLead() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(100.0, clock); // 10 ms apart
        long first = pacer.acquire(FAR, () -> 50 * MS).orElseThrow();
        for (int i = 1; i < 200; i++) {
            pacer.acquire(FAR, () -> 50 * MS); // a gate that always offers 50 ms of lead
        }
        // 200 starts take 199 intervals on the schedule, less at most the 50 ms lead.
        assertTrue(clock.now - first >= 1_990 * MS - 50 * MS, "took " + (clock.now - first) / MS + " ms");
    }

    @Test
    void inSlowStartEachAnswerAddsOneCallPerRoundTrip() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, ApiPacer.START, clock); // 5/s at first; the API answers in 100 ms
        long s = start(pacer);
        clock.now += 100 * MS;
        pacer.answered(s);
        assertEquals(15.0, pacer.rateRps(), 1e-9, "one more call per 100 ms round trip: +10/s, not +2/s");
        s = start(pacer);
        clock.now += 100 * MS;
        pacer.answered(s);
        assertEquals(20.0, pacer.rateRps(), 1e-9, "at the share after two answers");
    }

    @Test
    void slowStartEndsAtTheShareALargerShareLaterIsClimbedATenthPerAnswer() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, ApiPacer.START, clock);
        for (int i = 0; i < 2; i++) {
            long s = start(pacer);
            clock.now += 100 * MS;
            pacer.answered(s);
        }
        assertEquals(20.0, pacer.rateRps(), 1e-9, "slow start done");
        pacer.share(40.0); // the fleet's tail: the idle containers' shares are free
        long s = start(pacer);
        clock.now += 100 * MS;
        pacer.answered(s);
        assertEquals(24.0, pacer.rateRps(), 1e-9, "a tenth of the new share per answer, not one call per round trip");
    }

    @Test
    void aBlockOfSlowAnswersIsAQueueAndSlowsTheRateOncePerEpisode() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, clock);
        long noLoad = 100 * MS;
        // Answers at 1.3x the no-load latency: spread, not a queue. The rate stays at the share.
        for (int i = 0; i < 3 * ApiPacer.DELAY_BLOCK; i++) {
            pacer.answered(start(pacer), 130 * MS, noLoad);
        }
        assertEquals(20.0, pacer.rateRps(), 1e-9);
        // A block at 1.6x (the API's queue is filling): one step back, at the block's last answer.
        long[] sent = new long[2 * ApiPacer.DELAY_BLOCK];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = start(pacer);
        }
        for (int i = 0; i < ApiPacer.DELAY_BLOCK - 1; i++) {
            pacer.answered(sent[i], 160 * MS, noLoad);
            assertEquals(20.0, pacer.rateRps(), 1e-9, "one slow answer is spread, not yet a queue");
        }
        pacer.answered(sent[ApiPacer.DELAY_BLOCK - 1], 160 * MS, noLoad);
        assertEquals(18.0, pacer.rateRps(), 1e-9);
        // The calls sent before the step are the same news: their slow answers change nothing.
        for (int i = ApiPacer.DELAY_BLOCK; i < sent.length; i++) {
            pacer.answered(sent[i], 200 * MS, noLoad);
        }
        assertEquals(18.0, pacer.rateRps(), 1e-9);
        // Calls sent at the lower rate that still queue: a new episode.
        for (int i = 0; i < ApiPacer.DELAY_BLOCK; i++) {
            pacer.answered(start(pacer), 160 * MS, noLoad);
        }
        assertEquals(16.2, pacer.rateRps(), 1e-9);
        // Back to normal answers: 1 % of the share per answer, up to the share.
        for (int i = 0; i < 40; i++) {
            pacer.answered(start(pacer), 110 * MS, noLoad);
        }
        assertEquals(20.0, pacer.rateRps(), 1e-9);
    }

    @Test
    void latencyAloneNeverTakesTheRateBelowHalfTheShareButDropsDo() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, clock);
        // An API that got three times slower for good looks like a queue forever.
        for (int i = 0; i < 100 * ApiPacer.DELAY_BLOCK; i++) {
            pacer.answered(start(pacer), 300 * MS, 100 * MS);
        }
        assertEquals(20.0 * ApiPacer.DELAY_FLOOR, pacer.rateRps(), 1e-9);
        pacer.dropped(start(pacer));
        assertEquals(20.0 * ApiPacer.DELAY_FLOOR * ApiPacer.DECREASE, pacer.rateRps(), 1e-9);
        // Below the delay floor, slow answers keep the rate where the drops put it: no climb, no jump up.
        for (int i = 0; i < ApiPacer.DELAY_BLOCK; i++) {
            pacer.answered(start(pacer), 300 * MS, 100 * MS);
        }
        assertEquals(20.0 * ApiPacer.DELAY_FLOOR * ApiPacer.DECREASE, pacer.rateRps(), 1e-9);
    }

    @Test
    void withoutAKnownNoLoadLatencyAnswersOnlyGrowTheRate() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(20.0, clock);
        pacer.dropped(start(pacer));
        for (int i = 0; i < 4 * ApiPacer.DELAY_BLOCK; i++) {
            pacer.answered(start(pacer), 500 * MS, 0);
        }
        assertEquals(20.0, pacer.rateRps(), 1e-9);
    }

    @Test
    void aSlowBlockInASlowStartBelowHalfTheShareLeavesTheSlowStartRunning() throws Exception {
        var clock = new FakeTicker();
        var pacer = new ApiPacer(100.0, ApiPacer.START, clock); // a new container: 25/s of a 100/s share
        // A cold container's first answers are slow whatever the API does: a block of them changes nothing.
        for (int i = 0; i < ApiPacer.DELAY_BLOCK; i++) {
            pacer.answered(start(pacer), 300 * MS, 100 * MS);
        }
        assertEquals(25.0, pacer.rateRps(), 1e-9);
        // The next normal answer still climbs by one call per round trip (slow start), not by 1 % of the share.
        long s = start(pacer);
        clock.now += 100 * MS;
        pacer.answered(s, 100 * MS, 100 * MS);
        assertTrue(pacer.rateRps() >= 25.0 + 10.0 - 1e-9, "slow start goes on: " + pacer.rateRps());
    }
}
