package dev.offerrecorder.worker;

import java.util.List;
import java.util.Map;

/**
 * What one invocation did. {@code failedMessageIds} go back to SQS as batch item failures; everything else
 * was durably written before this result was built.
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
        int concurrencyLimit,
        long bytesWritten,
        int objectsWritten) {
}
