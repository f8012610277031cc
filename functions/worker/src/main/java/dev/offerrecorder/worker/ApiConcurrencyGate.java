package dev.offerrecorder.worker;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The per-container bound on concurrent API calls. The limit itself is Netflix concurrency-limits' Vegas
 * algorithm: it grows while round-trip time stays near the best seen and shrinks when latency rises (the API's
 * queue is filling) or a call is dropped (429/503/timeout). A configured ceiling caps it.
 *
 * <p>The library's limiter is non-blocking; waiting for a slot is done here with a lock and condition, which
 * virtual threads park on without pinning a carrier thread. The gate lives as long as the container, so what
 * it learned about the API carries over from one invocation to the next.
 */
public final class ApiConcurrencyGate {
    private final Limiter<Void> limiter;
    private final Limit limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();

    /** The limit algorithms this gate can run, all from Netflix concurrency-limits. */
    public enum Algorithm { VEGAS, GRADIENT2, AIMD }

    public ApiConcurrencyGate(int initialLimit, int ceiling) {
        this(initialLimit, ceiling, Algorithm.VEGAS);
    }

    public ApiConcurrencyGate(int initialLimit, int ceiling, Algorithm algorithm) {
        this.limit = switch (algorithm) {
            case VEGAS -> vegas(initialLimit, ceiling);
            // Gradient2 compares short- and long-term RTT; a queue of 2 keeps it close to the API's workers.
            case GRADIENT2 -> Gradient2Limit.newBuilder().initialLimit(initialLimit).minLimit(1)
                    .maxConcurrency(ceiling).queueSize(2).rttTolerance(1.2).build();
            // AIMD reacts to drops only (429/503/timeouts): +1 per window without drops, x0.9 on a drop.
            case AIMD -> AIMDLimit.newBuilder().initialLimit(initialLimit).minLimit(1).maxLimit(ceiling)
                    .backoffRatio(0.9).build();
        };
        this.limiter = SimpleLimiter.newBuilder().limit(limit).build();
    }

    private static Limit vegas(int initialLimit, int ceiling) {
        // alpha/beta are the queue lengths (requests waiting at the API) Vegas aims between. The library's
        // defaults (3-6 x log10(limit)) suit servers with deep queues; a fragile API with a short queue answers 503
        // before such a queue builds, so this gate grows only while at most one request waits, and shrinks past two.
        return VegasLimit.newBuilder()
                .initialLimit(initialLimit)
                .maxConcurrency(ceiling)
                .alpha(1)
                .beta(2)
                .build();
    }

    /** Waits for a slot until {@code deadlineNanos} (System.nanoTime based); empty when the deadline passed. */
    public Optional<Permit> acquire(long deadlineNanos) throws InterruptedException {
        while (true) {
            Optional<Limiter.Listener> listener = limiter.acquire(null);
            if (listener.isPresent()) {
                return Optional.of(new Permit(listener.get()));
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

    public int currentLimit() {
        return limit.getLimit();
    }

    private void signal() {
        lock.lock();
        try {
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** One held slot. Exactly one of the three methods must be called, once. */
    public final class Permit {
        private final Limiter.Listener listener;

        private Permit(Limiter.Listener listener) {
            this.listener = listener;
        }

        /** The call got an answer in normal time: its latency is a sample for the limit. */
        public void success() {
            listener.onSuccess();
            signal();
        }

        /** The API pushed back (429, 503, timeout): the limit shrinks. */
        public void dropped() {
            listener.onDropped();
            signal();
        }

        /** The outcome says nothing about the API's load (a connect error, our own cancellation). */
        public void ignore() {
            listener.onIgnore();
            signal();
        }
    }
}
