package dev.offerrecorder.worker;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Spaces one container's API call starts at its share of the API's capacity ({@code API_CAPACITY_RPS /
 * WORKER_MAX_CONCURRENCY}), one start every {@code 1 / rate} seconds, not in bursts: each start is allowed
 * {@code interval} after the previous one (a next-allowed-start-time pacer, as GCRA). A start that comes late by
 * at most {@value #CARRY} intervals or {@value #SLACK_MILLIS} ms, whichever is more, keeps the schedule, so the
 * next starts make the lateness up: a sleep that overshot (on a busy machine a sleep of 6 ms ends 2-3 ms late, which
 * at 160 requests/s lost a third of the rate when every late start began a new schedule), or a call that waited for
 * a slot while the API queued. Later than that (an idle container) it starts a new schedule, so no credit piles
 * up. The first start falls at a random point of the first interval, so containers started together do not all
 * call at once. The one exception to the spacing is the lead the gate may give ({@link #acquire(long,
 * LongSupplier)}): while the container holds fewer calls than its pace holds in flight, starts may run ahead of the
 * schedule by up to the API's no-load latency, each still taking its place on it.
 *
 * <p>The rate adapts below the share: a dropped call (429, 503, timeout) multiplies it by {@value #DECREASE} once
 * per congestion episode (drops and answers of calls that started before the last decrease are the same news and
 * are ignored, as the gate's {@code RejectionRttGuard} does for the limit), down to {@value #FLOOR} of the share;
 * so does a block of answers that took well over the API's no-load latency (its queue is filling), down to {@value
 * #DELAY_FLOOR} of the share; each later answer adds {@value #STEP} of the share back, up to the share.
 *
 * <p>Waiters take turns on a fair lock; the one whose turn it is sleeps until its start, re-checking the rate
 * after each sleep, so a decrease applies to the very next start. Nothing is reserved ahead: a waiter whose
 * deadline comes before the next allowed start gives up at once and leaves the schedule as it was. Virtual
 * threads park on the lock and the sleep without pinning. Not Resilience4j's rate limiter (its refresh period is
 * fixed at build time and it hands out permits per period, a burst at each period's start) nor Guava's (3 MB).
 */
public final class ApiPacer {
    static final double DECREASE = 0.9;
    static final double FLOOR = 0.05;
    static final double STEP = 0.01;
    static final double START = 0.25;
    static final double GROWTH = 0.1;
    static final double CARRY = 2.0;
    static final long SLACK_MILLIS = 20;
    /** Answers whose mean round trip is compared with the API's no-load latency (see {@link #answered(long, long, long)}). */
    static final int DELAY_BLOCK = 8;
    /** A block of answers slower on average than this times the no-load latency means the API's queue is filling. */
    static final double DELAY_TOLERANCE = 1.4;
    /** Latency alone takes the rate down to this part of the share; only dropped calls take it lower. */
    static final double DELAY_FLOOR = 0.5;
    /** How often a waiter that may run ahead looks again whether it may (a call may have ended meanwhile). */
    static final long LEAD_RECHECK_NANOS = 5_000_000L;

    private static final LongSupplier NO_LEAD = () -> 0;

    /** Time and sleep, so tests can run the pacer on a fake clock. */
    interface Ticker {
        long nanoTime();

        void sleep(long nanos) throws InterruptedException;

        Ticker SYSTEM = new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(long nanos) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }
        };
    }

    private final Ticker ticker;
    /** Where in its first interval the first start falls, 0 to 1. */
    private final java.util.function.DoubleSupplier firstOffset;

    private final ReentrantLock turn = new ReentrantLock(true);
    private final Object state = new Object();
    // Guarded by state.
    private double shareRps;
    private double rateRps;
    private boolean started;
    /** The last start on the schedule (may be a little before the real start, see CARRY). */
    private long lastStartNanos;

    private boolean decreased;
    /** Until the rate first reaches the share (or a drop): the climb by round trips. */
    private boolean slowStart = true;
    /** Calls started before this belong to the last congestion episode. */
    private long episodeEndNanos;
    /** The round trips of the answers of the current block (calls started after the last decrease). */
    private long blockRttNanos;

    private int blockAnswers;

    /** A new container's pacer: it starts at {@value #START} of its share (see {@link #answered}). */
    public ApiPacer(double shareRps) {
        this(shareRps, START, Ticker.SYSTEM, () -> java.util.concurrent.ThreadLocalRandom.current()
                .nextDouble());
    }

    /** At its share from the first call (tests of the steady state). */
    ApiPacer(double shareRps, Ticker ticker) {
        this(shareRps, 1.0, ticker);
    }

    ApiPacer(double shareRps, double startFraction, Ticker ticker) {
        this(shareRps, startFraction, ticker, () -> 0.0);
    }

    ApiPacer(double shareRps, double startFraction, Ticker ticker, java.util.function.DoubleSupplier firstOffset) {
        if (!(shareRps > 0) || Double.isInfinite(shareRps)) {
            throw new IllegalArgumentException("share must be a positive rate, got " + shareRps);
        }
        this.shareRps = shareRps;
        this.rateRps = shareRps * startFraction;
        this.ticker = ticker;
        this.firstOffset = firstOffset;
    }

    /**
     * Waits for this container's next start until {@code deadlineNanos} ({@link System#nanoTime()} based).
     *
     * @return the start time, to hand back with {@link #answered} or {@link #dropped}; empty when the deadline
     *     comes first (nothing is taken from the schedule then)
     */
    public OptionalLong acquire(long deadlineNanos) throws InterruptedException {
        return acquire(deadlineNanos, NO_LEAD);
    }

    /**
     * As {@link #acquire(long)}, but a start may run ahead of the schedule by up to {@code lead} nanoseconds, asked
     * each time the next start is not due yet (the gate answers with the API's no-load latency while this container
     * holds fewer calls than its pace holds in flight, 0 otherwise). A start ahead still takes its place on the
     * schedule, one interval after the one before, so in any stretch of time at most {@code lead x rate} starts more
     * than the pace come (the credit of the gap before): the first wave of a batch lands at once on the idle workers
     * the container's part of the API stands for, instead of one interval apart while they idle.
     */
    OptionalLong acquire(long deadlineNanos, LongSupplier lead) throws InterruptedException {
        long wait = deadlineNanos - ticker.nanoTime();
        if (wait <= 0 || !turn.tryLock(wait, TimeUnit.NANOSECONDS)) {
            return OptionalLong.empty();
        }
        try {
            while (true) {
                long now = ticker.nanoTime();
                long next;
                synchronized (state) {
                    long interval = intervalNanos();
                    if (!started) {
                        // The first start comes at a random point of the first interval: containers started
                        // together (a new fleet, a burst of jobs) would otherwise all call at the same instant.
                        started = true;
                        lastStartNanos = now - interval + (long) (firstOffset.getAsDouble() * interval);
                    }
                    next = lastStartNanos + interval;
                    if (now - next >= 0) {
                        // Late by a little: keep the schedule (a sleep overshoots); by more: begin a new one.
                        lastStartNanos = now - next <= Math.max((long) (CARRY * interval), SLACK_MILLIS * 1_000_000L)
                                ? next
                                : now;
                        return OptionalLong.of(now);
                    }
                    if (next - now <= lead.getAsLong()) {
                        // Ahead of the schedule, within the lead: the start still takes the next place on it.
                        lastStartNanos = next;
                        return OptionalLong.of(now);
                    }
                }
                if (next - deadlineNanos > 0) {
                    return OptionalLong.empty();
                }
                // With a lead, wake up now and then: a call that ends meanwhile may let the next start run ahead.
                ticker.sleep(lead != NO_LEAD ? Math.min(next - now, LEAD_RECHECK_NANOS) : next - now);
            }
        } finally {
            turn.unlock();
        }
    }

    /**
     * A new share (the fleet's capacity split over the containers working now, see {@link FleetShare}). A smaller
     * share applies at once (the rate keeps its place below it, so a back-off in progress is kept); a larger one is
     * climbed to answer by answer, as after a back-off: the containers that took over the idle ones' shares may
     * learn of it at different moments, and a container that jumped would add to the API's load before another
     * one had given its part back.
     */
    public void share(double newShareRps) {
        if (!(newShareRps > 0) || Double.isInfinite(newShareRps)) {
            throw new IllegalArgumentException("share must be a positive rate, got " + newShareRps);
        }
        synchronized (state) {
            if (newShareRps < shareRps) {
                rateRps = rateRps / shareRps * newShareRps;
            }
            shareRps = newShareRps;
        }
    }

    /**
     * A call started at {@code startNanos} got an answer: the rate climbs towards the share. Until the first drop
     * it climbs per answer by one call per round trip (that answer's, start to now) or {@value #GROWTH} of the share,
     * whichever is more: a slow start, as TCP's, whose window grows by one call per answer and so doubles per round
     * trip. A fleet of new containers learns the API's latency in its first answers before it brings the whole
     * capacity, which matters when the API answers slower than usual (a busy host), yet a small share is reached in a
     * round trip or two, not in the 8 answers of a tenth (at a share of 20/s and 100 ms, 8 answers were a second of
     * under-used API per container). Slow start ends when the rate first reaches the share: a larger share later is
     * climbed by {@value #GROWTH} of it per answer. After a drop it climbs by {@value #STEP} of the share per answer.
     * Without the round trip and the no-load latency (the gate passes both), so no queue signal: tests of growth.
     */
    void answered(long startNanos) {
        answered(startNanos, 0, 0);
    }

    /**
     * As {@link #answered(long)}, also telling how long the API took ({@code roundTripNanos}, slot to answer) and its
     * no-load latency as learned so far ({@code noLoadNanos}, 0 if unknown). Every {@value #DELAY_BLOCK} answers the
     * block's mean round trip is compared with the no-load latency: above {@value #DELAY_TOLERANCE}x, the API's queue
     * is filling, and the rate steps back as on a drop (once per episode, answers of calls started before the step
     * ignored), though not below {@value #DELAY_FLOOR} of the share. A dropped call is the API's refusal; a queue is
     * its warning, and the only one an overloaded API that slows everyone down (instead of answering 503) gives:
     * 8 containers of a 16 x 100 ms API whose first answers took 200-250 ms (a busy machine's first second) learned
     * too high a no-load latency, so their Little's-law caps let about 32 calls out where the server takes 24; it
     * served every call slower, never said 503, and the run stayed at 0.67 of the ceiling, answers at 300 ms.
     *
     * <p>Latency alone never takes the rate below half the share: an API that got slower for good looks like a queue
     * forever, and half the share is what an API twice as slow can take. A slow block that would not lower the rate
     * (already at or below half the share, as in a new container's slow start from a quarter of it) changes nothing:
     * ending the slow start there left a cold container, whose first answers are slow whatever the API does,
     * climbing from a quarter of its share by 1 % per answer. An answer slower than the tolerance does not grow the
     * rate either.
     */
    void answered(long startNanos, long roundTripNanos, long noLoadNanos) {
        synchronized (state) {
            if (decreased && startNanos - episodeEndNanos <= 0) {
                return;
            }
            boolean slow = false;
            if (roundTripNanos > 0 && noLoadNanos > 0) {
                slow = roundTripNanos > DELAY_TOLERANCE * noLoadNanos;
                blockRttNanos += roundTripNanos;
                blockAnswers++;
                if (blockAnswers >= DELAY_BLOCK) {
                    double mean = (double) blockRttNanos / blockAnswers;
                    blockRttNanos = 0;
                    blockAnswers = 0;
                    double lowered = Math.max(Math.min(rateRps, DELAY_FLOOR * shareRps), rateRps * DECREASE);
                    if (mean > DELAY_TOLERANCE * noLoadNanos && lowered < rateRps) {
                        rateRps = lowered;
                        startEpisode();
                        return;
                    }
                }
            }
            if (slow) {
                return; // a queued answer is no sign of room for more, whatever its block turns out to be
            }
            double climb = (decreased ? STEP : GROWTH) * shareRps;
            long roundTrip = ticker.nanoTime() - startNanos;
            if (slowStart && roundTrip > 0) {
                // One more call in flight per answer, as TCP's window in slow start: the rate doubles per round trip.
                climb = Math.max(climb, 1e9 / roundTrip);
            }
            rateRps = Math.min(shareRps, rateRps + climb);
            // Slow start ends at the share, as TCP's at its threshold: a larger share later (the fleet's tail, see
            // share()) is climbed a tenth per answer, so containers that hear of it at different moments do not
            // add up to more than the API takes (by round trips, 8 containers of a 4 x 300 ms API collapsed it).
            slowStart &= rateRps < shareRps;
        }
    }

    /** A decrease took effect now: later news is about calls sent at the lower rate. Guarded by state. */
    private void startEpisode() {
        decreased = true;
        slowStart = false;
        episodeEndNanos = ticker.nanoTime();
        blockRttNanos = 0;
        blockAnswers = 0;
    }

    /** A call started at {@code startNanos} was dropped (429, 503, timeout): slow down, once per episode. */
    public void dropped(long startNanos) {
        synchronized (state) {
            if (decreased && startNanos - episodeEndNanos <= 0) {
                return;
            }
            rateRps = Math.max(FLOOR * shareRps, rateRps * DECREASE);
            startEpisode();
        }
    }

    /** The container's share of the API, requests per second. */
    public double shareRps() {
        synchronized (state) {
            return shareRps;
        }
    }

    /** The rate it paces at now, at most the share. */
    public double rateRps() {
        synchronized (state) {
            return rateRps;
        }
    }

    private long intervalNanos() {
        return (long) (1e9 / rateRps);
    }
}
