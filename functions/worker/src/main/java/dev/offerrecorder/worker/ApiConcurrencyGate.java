package dev.offerrecorder.worker;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The per-container bound on concurrent API calls. The limit itself is Netflix concurrency-limits' Vegas
 * algorithm by default (AIMD on request): it grows while round-trip time stays near the best seen and shrinks
 * when latency rises (the API's queue is filling) or a call is dropped (429/503/timeout). A configured ceiling
 * caps it.
 *
 * <p>Every algorithm sees the API through {@link RejectionRttGuard}: a 503 comes back in a millisecond, and the
 * library would take that as the API's no-load round trip, after which every normal answer looks like a long
 * queue and the limit sinks far below what the API can serve.
 *
 * <p>The library's limiter is non-blocking; waiting for a slot is done here with a lock and condition, which
 * virtual threads park on without pinning a carrier thread. The gate lives as long as the container, so what
 * it learned about the API carries over from one invocation to the next.
 *
 * <p>With an {@link ApiPacer} (when {@code API_CAPACITY_RPS} is set) a call first waits for its start at the
 * container's share of the API's rate, then for a slot: paced before the slot, so the wait for a start never
 * counts in the round trip the limit sees. The pacer hears of every answer and drop through the permit.
 */
public final class ApiConcurrencyGate {
    /** Multiplicative decrease on a dropped call, as in TCP's and AIMD's back-off. */
    static final double DROP_FACTOR = 0.75;

    private final Limiter<Void> limiter;
    private final Limit limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Paced starts not yet released: in flight, plus those waiting for a slot. */
    private final AtomicInteger started = new AtomicInteger();

    private final Optional<ApiPacer> pacer;
    private final FastRtt fastRtt = new FastRtt();

    /** Calls in flight a paced container may hold per call its share needs at no-load latency. */
    static final double LITTLE_HEADROOM = 1.5;

    /**
     * The limit algorithms this gate can run, all from Netflix concurrency-limits. Not Gradient2: it ignores
     * dropped calls altogether, and against an API that answers 503 it kept growing until jobs failed.
     */
    public enum Algorithm {
        VEGAS,
        AIMD
    }

    public ApiConcurrencyGate(int initialLimit, int ceiling, Algorithm algorithm) {
        this(initialLimit, ceiling, algorithm, Optional.empty());
    }

    public ApiConcurrencyGate(int initialLimit, int ceiling, Algorithm algorithm, Optional<ApiPacer> pacer) {
        this.pacer = pacer;
        this.limit = new RejectionRttGuard(
                switch (algorithm) {
                    case VEGAS -> pacer.isPresent() ? pacedVegas(initialLimit, ceiling) : vegas(initialLimit, ceiling);
                    // AIMD reacts to drops only (429/503/timeouts): +1 per window without drops, x0.9 on a drop.
                    case AIMD ->
                        AIMDLimit.newBuilder()
                                .initialLimit(initialLimit)
                                .minLimit(1)
                                .maxLimit(ceiling)
                                .backoffRatio(0.9)
                                .build();
                });
        this.limiter = SimpleLimiter.newBuilder().limit(limit).build();
    }

    /**
     * Vegas for a paced container. The pacer already holds the rate at the container's share, so the limit's job is
     * narrower: catch an API slower than the operator said (its queue grows, round trips stretch) without mistaking
     * ordinary latency spread for a queue. Vegas estimates the queue from the fastest round trip seen, and an API
     * whose answers spread +-20 % around L looks like a queue of a fifth of the limit with no queue at all: with the
     * fixed alpha 2 / beta 3 below, one container held 7-9 calls in flight for a 16-worker API and reached 0.47 of
     * its ceiling (`./recorder demo --api-workers 16 --api-latency-ms 100 --worker-concurrency 1`). Here the
     * thresholds grow with the limit: grow while the estimate is under a quarter of it, shrink beyond a half (round
     * trips 2x the fastest), so only a real queue shrinks it; a 429/503 still steps back x0.75 at once.
     */
    static Limit pacedVegas(int initialLimit, int ceiling) {
        return VegasLimit.newBuilder()
                .initialLimit(initialLimit)
                .maxConcurrency(ceiling)
                .alphaFunction(limit -> Math.max(2, limit / 4))
                .betaFunction(limit -> Math.max(3, limit / 2))
                .thresholdFunction(limit -> 0)
                .decreaseFunction(limit -> Math.max(1.0, limit * DROP_FACTOR))
                .build();
    }

    static Limit vegas(int initialLimit, int ceiling) {
        // Vegas estimates the API's queue as limit x (1 - noLoadRtt / rtt) and moves the limit by it. The library's
        // defaults (alpha 3, beta 6, in steps of log10(limit), and +beta at once while the estimate is at most
        // log10(limit)) suit servers with deep queues, and in steps per sample, not per round trip. A fragile API
        // with a short queue answers 503 before such a queue builds, and the calls it serves at once always look
        // queue-free, so: grow by one only while the estimate is at most one waiting call (alpha 2), hold at two
        // or three, shrink beyond (beta 3); never jump (threshold 0: only a round trip at the no-load minimum).
        // Measured against the simulator's W workers + W/2 queue in docs/benchmarks.md.
        return VegasLimit.newBuilder()
                .initialLimit(initialLimit)
                .maxConcurrency(ceiling)
                .alpha(2)
                .beta(3)
                .thresholdFunction(limit -> 0)
                // A 503 means the API's queue is already full: step well back (the library's default takes one
                // step of log10(limit), which leaves the limit above the API's capacity for many more drops). The
                // library has one decrease function, so a queue estimate above beta steps back the same way.
                .decreaseFunction(limit -> Math.max(1.0, limit * DROP_FACTOR))
                .build();
    }

    /**
     * Waits for the pacer's next start (if pacing) and then for a slot, until {@code deadlineNanos}
     * (System.nanoTime based); empty when the deadline passed.
     */
    public Optional<Permit> acquire(long deadlineNanos) throws InterruptedException {
        if (pacer.isPresent()) {
            OptionalLong start = pacer.get().acquire(deadlineNanos, this::lead);
            if (start.isEmpty()) {
                return Optional.empty();
            }
            started.incrementAndGet();
        }
        boolean held = false;
        try {
            Optional<Permit> permit = slot(deadlineNanos);
            held = permit.isPresent();
            return permit;
        } finally {
            if (!held && pacer.isPresent()) {
                started.decrementAndGet();
            }
        }
    }

    private Optional<Permit> slot(long deadlineNanos) throws InterruptedException {
        while (true) {
            int held = inFlight.get();
            if (held < littleCap() && inFlight.compareAndSet(held, held + 1)) {
                Optional<Limiter.Listener> listener = limiter.acquire(null);
                if (listener.isPresent()) {
                    return Optional.of(new Permit(listener.get()));
                }
                inFlight.decrementAndGet();
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            lock.lock();
            try {
                // Bounded wait: a release between our acquire() and await() must not strand us.
                released.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * With a pacer, the most calls this container may hold: Little's law for its pace at the API's no-load
     * latency, {@code rate x fastRtt x} {@value #LITTLE_HEADROOM}, where fastRtt is the API's no-load round trip
     * ({@link FastRtt}). A paced container needs {@code share x latency} calls in flight to keep its share; the
     * headroom covers latency spread. The cap is what keeps an API that slows down (a busy host, a slow model) from
     * being buried: at a fixed pace the calls in flight grow with the latency, and an overloaded API slows further;
     * capped, the container's rate falls with the latency instead. The fleet's caps add up to about 1.5 x the API's
     * workers (W = capacity x latency), within the W + queue a server of W workers takes; rounded to the nearest
     * call, so N containers do not add N calls to that. One call before the first
     * answer (the latency is unknown); no cap without a pacer (the adaptive limit alone bounds the calls then).
     */
    int littleCap() {
        if (pacer.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        long fast = fastRtt.nanos();
        if (fast <= 0) {
            // Before the first answer nothing is known of the API's latency: one call, then Little's law.
            return 1;
        }
        // To the nearest call, not up: 8 containers of a 16 x 100 ms API whose answers took 101 ms held ceil(3.03) =
        // 4 each, the fleet 32 for a server that takes 16 + 8 queued; overflowing, it slowed every call, the slower
        // answers kept every container at its cap, and the demo settled at 3x the API's latency.
        return Math.max(1, (int) Math.round(pacer.get().rateRps() * fast / 1e9 * LITTLE_HEADROOM));
    }

    /**
     * How far the pacer may let the next start run ahead of its schedule: the API's no-load latency while this
     * container has fewer calls out (started and not yet answered, slotted or not) than its pace holds in flight,
     * {@code rate x smoothed round trip} (rounded as below; the round trip at most the Little's-law cap's); else
     * none. So a container back from a gap (between batches) sends its first wave at once instead of one interval
     * apart, and its batch keeps up to one latency ahead of the schedule: its part of the API's workers idled for a
     * latency at each batch otherwise. Not the no-load latency for the count: calls in flight at a pace are its rate
     * times the round trips they really take, and a count at the no-load latency held the container below its pace
     * (a closed loop at 16 calls of 108 ms is 148/s, not 160). Never more calls out than the pace holds anyway, and
     * at most one latency's worth of starts more than the pace in any stretch of time (see
     * {@link ApiPacer#acquire(long, java.util.function.LongSupplier)}); none before the first answer. The
     * Little's-law cap still bounds the slots.
     */
    long lead() {
        long fast = fastRtt.nanos();
        if (pacer.isEmpty() || fast <= 0) {
            return 0;
        }
        // The round trip at most the Little's-law cap's. Rounded to the nearest call where the pace holds two or
        // more (half a call is then at most a quarter of it; rounded down, 16.8 calls of 105 ms became a closed
        // loop at 16, 152/s under a pace of 160), down below two: 4 or 8 containers of a 4 x 300 ms API each hold
        // 0.5-1.1 calls at their pace, and rounded up each held 1-2, the fleet twice the API's workers (14 % of
        // the bench's calls rejected).
        double roundTrip = Math.min(fastRtt.smoothedNanos(), fast * LITTLE_HEADROOM);
        double holds = pacer.get().rateRps() * roundTrip / 1e9;
        long need = (long) Math.floor(holds < 2 ? holds : holds + 0.5);
        return started.get() < need ? fast : 0;
    }

    /** What the gate knows of the API's no-load latency (tests feed it known round trips). */
    FastRtt fastRtt() {
        return fastRtt;
    }

    /** The container's pacer, when it paces its calls. */
    public Optional<ApiPacer> pacer() {
        return pacer;
    }

    public int currentLimit() {
        return limit.getLimit();
    }

    /** Slots held right now: 0 between batches, or a slot leaked. */
    public int inFlight() {
        return inFlight.get();
    }

    private void signal() {
        inFlight.decrementAndGet();
        if (pacer.isPresent()) {
            started.decrementAndGet();
        }
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Passes samples on to a limit algorithm with two corrections for an API that rejects fast:
     * <ul>
     *   <li>a dropped call's round trip is raised to the last answered call's: a rejection measures how fast the
     *   API says no, not how long it takes to work, and must not become the no-load RTT that Vegas compares every
     *   later answer with. Drops before any answer are not passed on;</li>
     *   <li>one decrease per congestion episode, as TCP does once per window: calls that started before the last
     *   decrease took effect were sent under the old, too high limit, so their drops do not decrease again and
     *   their answers do not grow the limit back.</li>
     * </ul>
     */
    static final class RejectionRttGuard implements Limit {
        private final Limit delegate;
        private long lastAnsweredRttNanos;
        private boolean decreased;
        /** Calls started before this (System.nanoTime, as the limiter's start times) belong to the last episode. */
        private long episodeEndNanos;

        RejectionRttGuard(Limit delegate) {
            this.delegate = delegate;
        }

        @Override
        public int getLimit() {
            return delegate.getLimit();
        }

        @Override
        public void notifyOnChange(Consumer<Integer> consumer) {
            delegate.notifyOnChange(consumer);
        }

        // Synchronized like the library's own limits: a few arithmetic steps, nothing that blocks.
        @Override
        public synchronized void onSample(long startTime, long rtt, int inflight, boolean didDrop) {
            boolean sentBeforeLastDecrease = decreased && startTime - episodeEndNanos < 0;
            if (!didDrop) {
                lastAnsweredRttNanos = rtt;
                if (!sentBeforeLastDecrease) {
                    delegate.onSample(startTime, rtt, inflight, false);
                }
                return;
            }
            if (lastAnsweredRttNanos > 0 && !sentBeforeLastDecrease) {
                delegate.onSample(startTime, Math.max(rtt, lastAnsweredRttNanos), inflight, true);
                decreased = true;
                episodeEndNanos = startTime + rtt;
            }
        }
    }

    /**
     * One held slot. The first of the three methods to be called releases it; later calls do nothing, so a caller
     * can release it in a {@code finally} whatever happened before.
     */
    public final class Permit implements AutoCloseable {
        private final Limiter.Listener listener;
        private final java.util.concurrent.atomic.AtomicBoolean released =
                new java.util.concurrent.atomic.AtomicBoolean();

        /**
         * When the call got its slot: the pacer's news is dated from here, not from its paced start. A container whose
         * pace runs ahead of what its slots let out (the API slower than it was told) has calls that waited long for
         * a slot; dated by their paced start, every one of them counted as sent before the last decrease, and the
         * rate stepped back a few times a batch instead of once per round trip.
         */
        private final long startNanos = System.nanoTime();

        private Permit(Limiter.Listener listener) {
            this.listener = listener;
        }

        /** The call got an answer in normal time: its latency is a sample for the limit. */
        public void success() {
            if (released.compareAndSet(false, true)) {
                listener.onSuccess();
                long roundTrip = System.nanoTime() - startNanos;
                fastRtt.add(roundTrip);
                pacer.ifPresent(p -> p.answered(startNanos, roundTrip, fastRtt.nanos()));
                signal();
            }
        }

        /** The API pushed back (429, 503, timeout): the limit shrinks. */
        public void dropped() {
            if (released.compareAndSet(false, true)) {
                listener.onDropped();
                pacer.ifPresent(p -> p.dropped(startNanos));
                signal();
            }
        }

        /** The outcome says nothing about the API's load (a connect error, our own cancellation). */
        public void ignore() {
            if (released.compareAndSet(false, true)) {
                listener.onIgnore();
                signal();
            }
        }

        /** Releases the slot as {@link #ignore()} unless an outcome released it already. */
        @Override
        public void close() {
            ignore();
        }
    }

    /**
     * The API's no-load round trip: the lowest 10th percentile of the last {@value #SIZE} answers seen so far,
     * drifting up slowly (1 % of the gap per {@value #EVERY} answers) when the API has become slower for good. Not
     * the current percentile: while the API is overloaded every answer is slow, and a cap that grew with them would
     * bury it further.
     */
    static final class FastRtt {
        static final int SIZE = 128;
        static final int EVERY = 16;
        private final long[] recent = new long[SIZE];
        private int count;
        private int next;
        private long best;
        private long smoothed;

        synchronized void add(long rttNanos) {
            // The typical round trip, smoothed as TCP's SRTT (1/8 per answer): what the calls in flight at a pace are.
            smoothed = smoothed == 0 ? rttNanos : smoothed + (rttNanos - smoothed) / 8;
            recent[next] = rttNanos;
            next = (next + 1) % SIZE;
            count = Math.min(SIZE, count + 1);
            if (count >= EVERY && next % EVERY == 0) {
                long[] sorted = java.util.Arrays.copyOf(recent, count);
                java.util.Arrays.sort(sorted);
                long p10 = sorted[count / 10];
                if (best == 0 || p10 < best) {
                    best = p10;
                } else if (count == SIZE) {
                    best += (p10 - best) / 100;
                }
            }
        }

        /** The smoothed round trip of recent answers (their typical latency, queueing included); 0 before any. */
        synchronized long smoothedNanos() {
            return smoothed;
        }

        /** 0 before the first answer; until {@value #EVERY} answers, the fastest of them. */
        synchronized long nanos() {
            if (best == 0 && count > 0) {
                long fastest = Long.MAX_VALUE;
                for (int i = 0; i < count; i++) {
                    fastest = Math.min(fastest, recent[i]);
                }
                return fastest;
            }
            return best;
        }
    }
}
