package dev.offerrecorder.fanout;

import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Enqueues jobs with SendMessageBatch (10 per request), many requests in flight. Entries SQS reports as failed
 * are re-sent a few times; if any still fail, the whole call fails, and the caller's cursor does not advance.
 */
public final class JobPublisher {
    static final int BATCH = 10;
    private static final int ATTEMPTS = 4;
    private final SqsClient sqs;
    private final String queueUrl;
    private final int concurrency;
    private final JobCodec codec = new JobCodec();

    public JobPublisher(SqsClient sqs, String queueUrl, int concurrency) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.concurrency = concurrency;
    }

    /** Sends every job once; returns when all are acknowledged by SQS. */
    public void publish(List<Job> jobs, Map<String, String> attributes) throws InterruptedException {
        Map<String, MessageAttributeValue> attrs = new HashMap<>();
        attributes.forEach((k, v) -> attrs.put(k,
                MessageAttributeValue.builder().dataType("String").stringValue(v).build()));
        Semaphore inFlight = new Semaphore(concurrency);
        List<Future<?>> futures = new ArrayList<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < jobs.size(); i += BATCH) {
                List<Job> batch = jobs.subList(i, Math.min(jobs.size(), i + BATCH));
                inFlight.acquire();
                futures.add(executor.submit(() -> {
                    try {
                        sendBatch(batch, attrs);
                    } finally {
                        inFlight.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
    }

    private void sendBatch(List<Job> batch, Map<String, MessageAttributeValue> attrs) throws InterruptedException {
        Map<String, SendMessageBatchRequestEntry> pending = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            String id = Integer.toString(i);
            pending.put(id, SendMessageBatchRequestEntry.builder()
                    .id(id)
                    .messageBody(codec.encode(batch.get(i)))
                    .messageAttributes(attrs)
                    .build());
        }
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl)
                    .entries(pending.values()));
            response.successful().forEach(ok -> pending.remove(ok.id()));
            if (!pending.isEmpty()) {
                if (attempt >= ATTEMPTS) {
                    var first = response.failed().isEmpty() ? null : response.failed().getFirst();
                    throw new IllegalStateException("SQS rejected " + pending.size() + " job messages after "
                            + attempt + " attempts" + (first == null ? "" : ": " + first.code() + " " + first.message()));
                }
                Thread.sleep(50L << attempt);
            }
        }
    }
}
