package dev.offerrecorder.testkit.runner;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Plays the part of the bucket's event notification configuration, which S3Proxy does not have: each time it
 * runs it lists the bucket under a prefix and sends an "ObjectCreated:Put" notification, shaped as S3 sends it
 * to SQS (key URL-encoded), for every object that is new or whose ETag changed.
 *
 * <p>Real S3 is less kind, and {@link #unkind} makes the bridge so too (off by default): S3 notifications are at
 * least once, so every {@code duplicateEvery}-th notification is sent twice; and S3 sends an
 * {@code s3:TestEvent} when a notification configuration is set, so the first run sends one before any record.
 */
public final class S3NotificationBridge implements Runnable {
    private final S3Client s3;
    private final SqsClient sqs;
    private final String bucket;
    private final String prefix;
    private final String queueUrl;
    private final Map<String, String> seen = new HashMap<>();
    private int duplicateEvery;
    private boolean testEventPending;
    private long sent;
    private long duplicates;

    public S3NotificationBridge(S3Client s3, SqsClient sqs, String bucket, String prefix, String queueUrl) {
        this.s3 = s3;
        this.sqs = sqs;
        this.bucket = bucket;
        this.prefix = prefix;
        this.queueUrl = queueUrl;
    }

    /**
     * From now on sends every {@code duplicateEvery}-th notification twice (0: none) and, if {@code testEvent},
     * an {@code s3:TestEvent} on the next run.
     */
    public synchronized void unkind(int duplicateEvery, boolean testEvent) {
        if (duplicateEvery < 0) {
            throw new IllegalArgumentException("duplicateEvery must be >= 0, got " + duplicateEvery);
        }
        this.duplicateEvery = duplicateEvery;
        this.testEventPending = testEvent;
    }

    @Override
    public synchronized void run() {
        if (testEventPending) {
            testEventPending = false;
            String test = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\""
                    + java.time.Instant.now() + "\",\"Bucket\":\"" + bucket + "\",\"RequestId\":\"bridge\","
                    + "\"HostId\":\"bridge\"}";
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(test));
        }
        for (S3Object o :
                s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
            if (o.eTag() == null) {
                // S3Proxy's filesystem store lists an object still being written without an ETag; S3 never shows
                // it before the write completes. The next round sees it whole.
                continue;
            }
            String previous = seen.put(o.key(), o.eTag());
            if (previous == null || !previous.equals(o.eTag())) {
                String key = java.net.URLEncoder.encode(o.key(), java.nio.charset.StandardCharsets.UTF_8)
                        .replace("%2F", "/");
                String body = "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":"
                        + "\"us-east-1\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\","
                        + "\"bucket\":{\"name\":\"" + bucket + "\",\"arn\":\"arn:aws:s3:::" + bucket + "\"},"
                        + "\"object\":{\"key\":\"" + key + "\",\"size\":" + o.size() + ",\"eTag\":"
                        + "\"" + o.eTag().replace("\"", "") + "\"}}}]}";
                sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
                sent++;
                if (duplicateEvery > 0 && sent % duplicateEvery == 0) {
                    sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
                    duplicates++;
                }
            }
        }
    }

    /** Notifications sent a second time so far (see {@link #unkind}). */
    public synchronized long duplicatesSent() {
        return duplicates;
    }

    /** Objects notified so far. */
    public synchronized int notified() {
        return seen.size();
    }
}
