package dev.offerrecorder.worker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one invocation did. {@code failedMessageIds} go back to SQS as batch item failures; everything else
 * was durably written before this result was built. The handler logs it as the "batch done" JSON line; the same
 * numbers go to the tracing backend as transaction attributes and one event.
 *
 * @param apiCalls   HTTP attempts made (jobs plus retries, less jobs stopped by the deadline before a call)
 * @param apiErrors  attempts with no definitive answer (5xx, 429, timeouts, I/O errors)
 * @param rejections of those, the API's push-backs (429, 503, timeouts) that shrink the concurrency limit
 * @param runIds     the runs the batch's jobs belong to, sorted
 * @param targetDates the jobs' dates (ISO), sorted
 */
public record BatchResult(
        List<String> failedMessageIds,
        int messages,
        int invalidMessages,
        int jobsRecorded,
        int jobsFailed,
        Map<String, Integer> outcomes,
        Map<String, Integer> failureReasons,
        long latencyP50Ms,
        long latencyP95Ms,
        long latencyMaxMs,
        int retries,
        int apiCalls,
        int apiErrors,
        int rejections,
        int concurrencyLimit,
        long bytesWritten,
        int objectsWritten,
        List<String> runIds,
        List<String> targetDates) {

    /** New Relic drops attribute values past 255 characters; a mixed batch's lists are cut well before. */
    static final int MAX_VALUE = 255;

    /** The invocation's custom attributes: who it worked for and how it went, for filtering transactions. */
    public Map<String, Object> transactionAttributes() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", joined(runIds));
        out.put("targetDate", joined(targetDates));
        out.put("batchSize", messages);
        out.put("jobsOk", jobsRecorded);
        out.put("jobsFailed", jobsFailed + invalidMessages);
        out.put("concurrencyLimit", concurrencyLimit);
        return out;
    }

    /** One row per invocation for NRQL: every number of this result, outcomes and failure reasons flattened. */
    public Map<String, Object> eventAttributes() {
        Map<String, Object> out = new LinkedHashMap<>(transactionAttributes());
        out.put("runCount", runIds.size());
        out.put("messages", messages);
        out.put("invalidMessages", invalidMessages);
        out.put("jobsRecorded", jobsRecorded);
        out.put("latencyP50Ms", latencyP50Ms);
        out.put("latencyP95Ms", latencyP95Ms);
        out.put("latencyMaxMs", latencyMaxMs);
        out.put("retries", retries);
        out.put("apiCalls", apiCalls);
        out.put("apiErrors", apiErrors);
        out.put("rejections", rejections);
        out.put("bytesWritten", bytesWritten);
        out.put("objectsWritten", objectsWritten);
        outcomes.forEach((k, v) -> out.put("outcome." + k, v));
        failureReasons.forEach((k, v) -> out.put("failed." + k.replace(' ', '_'), v));
        return out;
    }

    private static String joined(List<String> values) {
        String all = String.join(",", values);
        return all.length() <= MAX_VALUE ? all : all.substring(0, MAX_VALUE - 3) + "...";
    }
}
