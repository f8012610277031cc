package dev.offerrecorder.worker;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.shared.log.JsonLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * Decides when a job that failed this invocation comes back. The job queue's visibility timeout is 6x the worker's
 * timeout (so a batch still being worked on is never delivered twice), far longer than a failed job should wait: a
 * job reported as a batch item failure gets its visibility set to {@code retryDelay x 2^(receives-1)} (capped at
 * {@value #MAX_DELAY_SECONDS} s), the SQS way to back off. If SQS refuses, the job waits out the queue's visibility
 * instead: later, never lost.
 */
final class RetryScheduler {
    static final int MAX_DELAY_SECONDS = 900;

    private final SqsClient sqs;
    private final Optional<String> queueUrl;
    private final Duration retryDelay;
    private final JsonLog log;

    RetryScheduler(SqsClient sqs, Optional<String> queueUrl, Duration retryDelay, JsonLog log) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.retryDelay = retryDelay;
        this.log = log;
    }

    /** The visibility timeout a job failed on its {@code receives}-th delivery gets, in seconds. */
    int delaySeconds(int receives) {
        long seconds = retryDelay.toSeconds() << Math.min(Math.max(receives - 1, 0), 20);
        return (int) Math.min(seconds, MAX_DELAY_SECONDS);
    }

    /** Sets the visibility of each failed message of {@code event}; returns how many SQS accepted. */
    int schedule(SQSEvent event, Set<String> failedMessageIds) {
        if (queueUrl.isEmpty() || failedMessageIds.isEmpty()) {
            return 0;
        }
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            if (failedMessageIds.contains(m.getMessageId()) && m.getReceiptHandle() != null) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .receiptHandle(m.getReceiptHandle())
                        .visibilityTimeout(delaySeconds(receives(m)))
                        .build());
            }
        }
        int accepted = 0;
        for (int i = 0; i < entries.size(); i += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> chunk = entries.subList(i, Math.min(entries.size(), i + 10));
            try {
                var response = sqs.changeMessageVisibilityBatch(
                        r -> r.queueUrl(queueUrl.get()).entries(chunk));
                accepted += response.successful().size();
                for (BatchResultErrorEntry e : response.failed()) {
                    log.warn("retry delay not set", Map.of("code", e.code(), "message", String.valueOf(e.message())));
                }
            } catch (SdkException e) {
                log.warn("retry delay not set", Map.of("error", String.valueOf(e.getMessage())));
            }
        }
        return accepted;
    }

    private static int receives(SQSEvent.SQSMessage m) {
        try {
            return Integer.parseInt(m.getAttributes().getOrDefault("ApproximateReceiveCount", "1"));
        } catch (RuntimeException e) {
            return 1;
        }
    }
}
