package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.offerrecorder.shared.api.ApiObservationSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run's workers learned about the API, merged across the fleet from their per-invocation summaries
 * ({@link ApiObservationSummary}): is the API or the pipeline the limit, and what would the API need to go faster.
 *
 * <p>Per second of the run, the fleet's calls in flight follow from Little's law (every attempt's duration started
 * in that second, summed, over one second) and its mean latency from the answers. An API with W workers answers in
 * its no-load time L up to W calls in flight; beyond, calls queue and latency grows as N x L / W. So the knee is read
 * from the seconds whose latency exceeds {@value #KNEE_FACTOR} x the no-load latency: each says W ~ N x L / latency,
 * and their median is reported (the level where latency first crosses the threshold is reported too; by
 * construction it lies about a quarter above W).
 *
 * @param summaries            per-invocation objects read
 * @param calls                HTTP attempts
 * @param rejectedShare        (rejected + timeouts) / calls
 * @param noLoadLatencyMs      mean latency of the fastest seconds that hold 5 % of the answers; when even those
 *                             queued (above 1.25 x latencyP10Ms), latencyP10Ms
 * @param latencyP10Ms         the lowest of the invocations' 10th-percentile latencies
 * @param meanLatencyMs        mean latency of every answer
 * @param busySeconds          seconds in which calls started
 * @param heldPerSecond        answers per busy second, median
 * @param peakPerSecond        answers in the busiest second
 * @param meanInFlight         the fleet's calls in flight, mean over busy seconds (Little's law)
 * @param peakInFlight         the same, highest second
 * @param kneeInFlight         calls in flight the API serves at once before latency grows; null if not reached
 * @param latencyGrowsFromInFlight the lowest in-flight level with latency above the threshold; null if none
 * @param flatUpToInFlight     the highest in-flight level with latency still near no load
 * @param capacityPerSecond    knee / no-load latency: the answers per second the API can give; null without a knee
 * @param limitedBy            "api", "pipeline", or "unknown" (too few calls to tell)
 * @param verdict              one line for people
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiReport(
        int summaries,
        long calls,
        long answered,
        long rejected,
        long timeouts,
        long errors,
        double rejectedShare,
        Double noLoadLatencyMs,
        Long latencyP10Ms,
        Double meanLatencyMs,
        int busySeconds,
        double heldPerSecond,
        long peakPerSecond,
        double meanInFlight,
        double peakInFlight,
        Double kneeInFlight,
        Double latencyGrowsFromInFlight,
        Double flatUpToInFlight,
        Double capacityPerSecond,
        String limitedBy,
        String verdict) {
    /** Latency this many times the no-load latency means the API is queueing. */
    public static final double KNEE_FACTOR = 1.25;
    /** The no-load latency is the mean of the fastest seconds that hold this share of the answers. */
    static final double NO_LOAD_SHARE = 0.05;
    /** A second's mean latency counts only with this many answers. */
    static final int MIN_ANSWERS = 5;
    /** Seconds above the threshold must be at least this share of the counted seconds (and two) to call it a knee. */
    static final double KNEE_SHARE = 0.10;
    /** Rejections above this share of calls mean the fleet pushes past what the API takes. */
    static final double REJECTED_LIMIT = 0.01;

    /** One second of the fleet: calls in flight (Little's law) and what came of the calls started in it. */
    record FleetSecond(long t, long calls, long answered, double inFlight, double meanLatencyMs) {}

    /** Merges a run's summaries; an empty list gives a report that says so. */
    public static ApiReport of(List<ApiObservationSummary> summaries) {
        long calls = 0;
        long answered = 0;
        long rejected = 0;
        long timeouts = 0;
        long errors = 0;
        long latencySum = 0;
        Long p10 = null;
        Map<Long, long[]> merged = new TreeMap<>();
        for (ApiObservationSummary s : summaries) {
            calls += s.calls();
            answered += s.answered();
            rejected += s.rejected();
            timeouts += s.timeouts();
            errors += s.errors();
            latencySum += s.latencySumMs();
            if (s.answered() > 0 && (p10 == null || s.latencyP10Ms() < p10)) {
                p10 = s.latencyP10Ms();
            }
            for (ApiObservationSummary.Second sec : s.seconds()) {
                long[] m = merged.computeIfAbsent(sec.t(), k -> new long[4]);
                m[0] += sec.calls();
                m[1] += sec.answered();
                m[2] += sec.latencyMs();
                m[3] += sec.busyMs();
            }
        }
        List<FleetSecond> seconds = new ArrayList<>();
        merged.forEach((t, m) ->
                seconds.add(new FleetSecond(t, m[0], m[1], m[3] / 1000.0, m[1] == 0 ? 0 : (double) m[2] / m[1])));
        return analyse(summaries.size(), calls, answered, rejected, timeouts, errors, latencySum, p10, seconds);
    }

    static ApiReport analyse(
            int summaries,
            long calls,
            long answered,
            long rejected,
            long timeouts,
            long errors,
            long latencySum,
            Long p10,
            List<FleetSecond> seconds) {
        double rejectedShare = calls == 0 ? 0 : round((double) (rejected + timeouts) / calls, 4);
        Double meanLatency = answered == 0 ? null : round((double) latencySum / answered, 1);
        List<FleetSecond> busy = seconds.stream().filter(s -> s.calls() > 0).toList();
        double held = median(busy.stream().map(s -> (double) s.answered()).toList());
        long peak = busy.stream().mapToLong(FleetSecond::answered).max().orElse(0);
        double meanInFlight =
                busy.stream().mapToDouble(FleetSecond::inFlight).average().orElse(0);
        double peakInFlight =
                busy.stream().mapToDouble(FleetSecond::inFlight).max().orElse(0);

        List<FleetSecond> points = new ArrayList<>(
                busy.stream().filter(s -> s.answered() >= MIN_ANSWERS).toList());
        points.sort(Comparator.comparingDouble(FleetSecond::inFlight));
        Double noLoad = null;
        Double knee = null;
        Double growsFrom = null;
        Double flatUpTo = null;
        if (!points.isEmpty()) {
            // The fastest seconds holding NO_LOAD_SHARE of the answers, answer-weighted: latency never drops below
            // the API's no-load time, while a fleet that runs past the knee most of the time has few quiet seconds.
            List<FleetSecond> fastest = new ArrayList<>(points);
            fastest.sort(Comparator.comparingDouble(FleetSecond::meanLatencyMs));
            long total = points.stream().mapToLong(FleetSecond::answered).sum();
            long n = 0;
            double sum = 0;
            for (FleetSecond s : fastest) {
                n += s.answered();
                sum += s.meanLatencyMs() * s.answered();
                if (n >= NO_LOAD_SHARE * total) {
                    break;
                }
            }
            noLoad = sum / n;
            // Even the fastest seconds queued (the fleet ran past the knee all along, as from a cold start of many
            // containers): their mean is no no-load time, the fastest tenth of single answers is nearer to it.
            if (p10 != null && p10 > 0 && noLoad > KNEE_FACTOR * p10) {
                noLoad = (double) p10;
            }
            double threshold = KNEE_FACTOR * noLoad;
            List<FleetSecond> grown =
                    points.stream().filter(s -> s.meanLatencyMs() > threshold).toList();
            flatUpTo = points.stream()
                    .filter(s -> s.meanLatencyMs() <= threshold)
                    .mapToDouble(FleetSecond::inFlight)
                    .max()
                    .orElse(0);
            if (grown.size() >= Math.max(2, KNEE_SHARE * points.size())) {
                double l = noLoad;
                knee = round(
                        median(grown.stream()
                                .map(s -> s.inFlight() * l / s.meanLatencyMs())
                                .toList()),
                        1);
                growsFrom = round(grown.getFirst().inFlight(), 1);
            }
            flatUpTo = round(flatUpTo, 1);
            noLoad = round(noLoad, 1);
        }
        Double capacity = knee == null ? null : round(knee / (noLoad / 1000.0), 1);
        String limitedBy;
        String verdict;
        String rejections = String.format("%.1f %% of calls rejected or timed out", 100 * rejectedShare);
        if (points.isEmpty()) {
            limitedBy = "unknown";
            verdict = calls == 0
                    ? "no API calls observed for this run (no api-observations/ objects: workers older than this"
                            + " report, or the run has not started)"
                    : "too few answers per second to tell what limits the run";
        } else if (knee != null) {
            limitedBy = "api";
            verdict = String.format(
                    "API-bound: latency grows past ~%.0f in flight at %.0f ms no-load -> capacity ~%.1f/s (held %.1f/s);"
                            + " more API workers or less latency would go faster, more containers or a higher"
                            + " ApiCapacityRps would not%s",
                    knee,
                    noLoad,
                    capacity,
                    held,
                    rejectedShare > REJECTED_LIMIT
                            ? "; " + rejections + ": set ApiCapacityRps to about " + Math.round(capacity)
                            : "");
        } else if (rejectedShare > REJECTED_LIMIT) {
            limitedBy = "api";
            verdict = String.format(
                    "API-bound: %s while latency stayed flat up to %.0f in flight: the API refuses before it"
                            + " queues; set ApiCapacityRps to about %.0f (the rate held)",
                    rejections, flatUpTo, held);
        } else {
            limitedBy = "pipeline";
            verdict = String.format(
                    "pipeline-bound: latency flat (%.0f ms) up to %.0f in flight; the API was not the limit:"
                            + " raise ApiCapacityRps (or WorkerMaximumConcurrency) to go faster",
                    noLoad, flatUpTo);
        }
        return new ApiReport(
                summaries,
                calls,
                answered,
                rejected,
                timeouts,
                errors,
                rejectedShare,
                noLoad,
                p10,
                meanLatency,
                busy.size(),
                round(held, 1),
                peak,
                round(meanInFlight, 1),
                round(peakInFlight, 1),
                knee,
                growsFrom,
                flatUpTo,
                capacity,
                limitedBy,
                verdict);
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
