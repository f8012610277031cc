package dev.offerrecorder.worker;

import dev.offerrecorder.shared.api.ApiObservationSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * Every HTTP attempt the container's {@link CalcApiClient} makes: when it started, how long it took, what came of it
 * and how many calls the container had in flight at its start. Filled from many virtual threads at once (a lock-free
 * queue); the worker drains it once per invocation into one {@link ApiObservationSummary} per run, which is what the
 * fleet learns about the API ({@code status --run}, the {@code OfferRecorderApiObservation} event).
 */
public final class ApiObservations {
    /** What came of one attempt, as the API's load goes. */
    enum Outcome {
        ANSWERED,
        REJECTED,
        TIMEOUT,
        ERROR;

        /** @param status the HTTP status, or 0 when no response came */
        static Outcome of(int status, boolean timedOut) {
            if (status == 0) {
                return timedOut ? TIMEOUT : ERROR;
            }
            if (status == 429 || status == 503) {
                return REJECTED;
            }
            if (status == 401 || status == 403 || RetryPolicy.isTransient(status)) {
                return ERROR;
            }
            return ANSWERED;
        }
    }

    /** One finished attempt; {@code startMillis} is wall-clock (epoch) time, so containers' seconds line up. */
    record Observed(String runId, long startMillis, long latencyMs, Outcome outcome, int inFlight) {}

    private final ConcurrentLinkedQueue<Observed> done = new ConcurrentLinkedQueue<>();
    private final LongSupplier wallMillis;
    private final LongSupplier nanos;

    public ApiObservations() {
        this(System::currentTimeMillis, System::nanoTime);
    }

    ApiObservations(LongSupplier wallMillis, LongSupplier nanos) {
        this.wallMillis = wallMillis;
        this.nanos = nanos;
    }

    /** An attempt about to go out; {@code inFlight} counts it too. */
    public Attempt start(String runId, int inFlight) {
        return new Attempt(runId, wallMillis.getAsLong(), nanos.getAsLong(), inFlight);
    }

    /** One attempt under way; {@link #end} records it (once). */
    public final class Attempt {
        private final String runId;
        private final long startMillis;
        private final long startNanos;
        private final int inFlight;
        private boolean ended;

        private Attempt(String runId, long startMillis, long startNanos, int inFlight) {
            this.runId = runId;
            this.startMillis = startMillis;
            this.startNanos = startNanos;
            this.inFlight = inFlight;
        }

        /** @param status the HTTP status, or 0 when no response came; {@code timedOut}: no headers in time */
        public void end(int status, boolean timedOut) {
            if (ended) {
                return;
            }
            ended = true;
            add(new Observed(
                    runId,
                    startMillis,
                    (nanos.getAsLong() - startNanos) / 1_000_000,
                    Outcome.of(status, timedOut),
                    inFlight));
        }
    }

    void add(Observed observed) {
        done.add(observed);
    }

    /** Takes every attempt recorded so far, summarised per run (in run order); what is left is empty. */
    public List<ApiObservationSummary> drain(Instant at) {
        Map<String, List<Observed>> byRun = new TreeMap<>();
        for (Observed o; (o = done.poll()) != null; ) {
            byRun.computeIfAbsent(o.runId(), k -> new ArrayList<>()).add(o);
        }
        List<ApiObservationSummary> out = new ArrayList<>();
        byRun.forEach((run, attempts) -> out.add(summarise(run, attempts, at)));
        return out;
    }

    /** One run's attempts: counts, the answers' low percentiles, and per-second buckets of attempt starts. */
    static ApiObservationSummary summarise(String runId, List<Observed> attempts, Instant at) {
        Map<Long, long[]> seconds = new TreeMap<>();
        List<Long> answeredLatencies = new ArrayList<>();
        int[] counts = new int[Outcome.values().length];
        long latencySum = 0;
        long inFlightSum = 0;
        for (Observed o : attempts) {
            // answered, rejected, timeouts, errors, latencyMs, busyMs, inFlightSum
            long[] s = seconds.computeIfAbsent(Math.floorDiv(o.startMillis(), 1000), k -> new long[7]);
            s[o.outcome().ordinal()]++;
            counts[o.outcome().ordinal()]++;
            if (o.outcome() == Outcome.ANSWERED) {
                s[4] += o.latencyMs();
                latencySum += o.latencyMs();
                answeredLatencies.add(o.latencyMs());
            }
            s[5] += o.latencyMs();
            s[6] += o.inFlight();
            inFlightSum += o.inFlight();
        }
        answeredLatencies.sort(null);
        List<ApiObservationSummary.Second> buckets = new ArrayList<>();
        seconds.forEach((t, s) -> buckets.add(
                new ApiObservationSummary.Second(t, (int) s[0], (int) s[1], (int) s[2], (int) s[3], s[4], s[5], s[6])));
        return new ApiObservationSummary(
                ApiObservationSummary.VERSION,
                runId,
                at,
                attempts.size(),
                counts[Outcome.ANSWERED.ordinal()],
                counts[Outcome.REJECTED.ordinal()],
                counts[Outcome.TIMEOUT.ordinal()],
                counts[Outcome.ERROR.ordinal()],
                answeredLatencies.isEmpty() ? 0 : answeredLatencies.getFirst(),
                WorkerService.percentile(answeredLatencies, 0.10),
                latencySum,
                inFlightSum,
                buckets);
    }

    /**
     * The {@code OfferRecorderApiObservation} event's attributes for one summary: the container's view of the API in
     * this invocation, which NRQL sums over a run's events (see docs/observability.md).
     */
    static Map<String, Object> eventAttributes(ApiObservationSummary s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", s.runId());
        out.put("calls", s.calls());
        out.put("answered", s.answered());
        out.put("rejected", s.rejected());
        out.put("timeouts", s.timeouts());
        out.put("errors", s.errors());
        out.put("noLoadLatencyMs", s.latencyP10Ms());
        out.put("latencyMinMs", s.latencyMinMs());
        out.put("latencySumMs", s.latencySumMs());
        out.put("meanLatencyMs", s.answered() == 0 ? 0.0 : round((double) s.latencySumMs() / s.answered()));
        long busy = s.seconds().stream()
                .mapToLong(ApiObservationSummary.Second::busyMs)
                .sum();
        out.put("busyMs", busy);
        out.put("meanInFlight", s.calls() == 0 ? 0.0 : round((double) s.inFlightSum() / s.calls()));
        int span = s.seconds().isEmpty()
                ? 1
                : (int) (s.seconds().getLast().t() - s.seconds().getFirst().t() + 1);
        out.put("seconds", span);
        out.put("callsPerSecond", round((double) s.calls() / span));
        out.put("answeredPerSecond", round((double) s.answered() / span));
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
