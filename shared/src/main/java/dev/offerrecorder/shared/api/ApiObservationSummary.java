package dev.offerrecorder.shared.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one worker invocation saw of the API for one run: every HTTP attempt counted by outcome, and per second (of
 * the attempts' start) what the fleet's view is built from. The worker puts one such JSON object per (invocation,
 * run) under {@value #PREFIX} in the raw bucket (outside {@code raw/}, so the transform is not notified of it);
 * {@code status --run} merges a run's objects into the fleet's view of the API (knee, no-load latency, throughput).
 *
 * @param v             the format's version (1)
 * @param at            when the invocation summarised its attempts
 * @param calls         HTTP attempts: {@code answered + rejected + timeouts + errors}
 * @param answered      attempts with a definitive answer (2xx, 404, other 4xx but 401/403)
 * @param rejected      429 and 503: the API said it is full
 * @param timeouts      no headers within the call timeout
 * @param errors        everything else (other 5xx, 401/403, I/O errors, a body that stalled)
 * @param latencyMinMs  the fastest answer
 * @param latencyP10Ms  the 10th percentile of the answers' latencies: a low percentile, the API near no load
 * @param latencySumMs  the answers' latencies summed (mean = sum / answered)
 * @param inFlightSum   the container's calls in flight at each attempt's start (itself included), summed
 * @param seconds       per epoch second of attempt starts, oldest first
 */
public record ApiObservationSummary(
        int v,
        String runId,
        Instant at,
        int calls,
        int answered,
        int rejected,
        int timeouts,
        int errors,
        long latencyMinMs,
        long latencyP10Ms,
        long latencySumMs,
        long inFlightSum,
        List<Second> seconds) {
    public static final int VERSION = 1;
    public static final String PREFIX = "api-observations/";

    private static final ObjectMapper MAPPER = Json.newMapper();

    public ApiObservationSummary {
        seconds = seconds == null ? List.of() : List.copyOf(seconds);
    }

    /**
     * The attempts that started in one epoch second.
     *
     * @param latencyMs   the answers' latencies summed
     * @param busyMs      every attempt's duration summed, whatever its outcome: divided by 1000, the calls in
     *                    flight on average during that second (Little's law)
     * @param inFlightSum the container's in-flight count at each attempt's start, summed
     */
    public record Second(
            long t,
            int answered,
            int rejected,
            int timeouts,
            int errors,
            long latencyMs,
            long busyMs,
            long inFlightSum) {
        public int calls() {
            return answered + rejected + timeouts + errors;
        }
    }

    /** The folder of one run's summaries. */
    public static String prefix(String runId) {
        Job.requireId("runId", runId);
        return PREFIX + "run=" + runId + "/";
    }

    /** A summary's key: its time first (listings come out in time order), then an ID unique to the invocation. */
    public static String key(String runId, Instant at, String invocationId) {
        return prefix(runId) + at.toEpochMilli() + "-" + invocationId + ".json";
    }

    public String key(String invocationId) {
        return key(runId, at, invocationId);
    }

    public byte[] encode() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Empty when the bytes are not a summary this code wrote (a reader skips it, never fails on it). */
    public static Optional<ApiObservationSummary> decode(byte[] bytes) {
        try {
            ApiObservationSummary s = MAPPER.readValue(bytes, ApiObservationSummary.class);
            return s.v() == VERSION && s.runId() != null ? Optional.of(s) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
