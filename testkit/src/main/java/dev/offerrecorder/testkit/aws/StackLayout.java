package dev.offerrecorder.testkit.aws;

import java.time.Duration;

/**
 * The queues and buckets template.yaml declares, with the rules the template gives them: each queue's visibility
 * timeout is {@value #VISIBILITY_PER_TIMEOUT}x its consumer's function timeout, and each DLQ keeps messages longer
 * than its source queue (a message keeps its original enqueue time when it moves). Only the time scale differs
 * locally: function timeouts are short, so redelivery plays out in seconds instead of minutes; the visibility
 * timeouts follow from them. {@code StackLayoutTest} (e2e-tests) pins these rules against template.yaml.
 *
 * @param jobMaxReceiveCount the job queue's redrive policy (the template's is {@value #TEMPLATE_JOB_MAX_RECEIVES})
 */
public record StackLayout(
        String prefix,
        int jobMaxReceiveCount,
        Duration workerTimeout,
        Duration fanoutTimeout,
        Duration transformTimeout,
        Duration queueRetention,
        Duration dlqRetention) {

    /** AWS's guidance for SQS event sources, which the template follows for all three queues. */
    public static final int VISIBILITY_PER_TIMEOUT = 6;

    public static final int TEMPLATE_JOB_MAX_RECEIVES = 5;
    /** The fan-out (slice) queue's and the transform queue's maxReceiveCount in the template. */
    public static final int FANOUT_MAX_RECEIVES = 3;

    public static final int TRANSFORM_MAX_RECEIVES = 5;

    /**
     * The transform's SQS event source in the template (BatchSize, MaximumBatchingWindowInSeconds): one invocation
     * turns up to this many raw objects into one Parquet file per date. The local runner uses the same values; it
     * ends a batch at the first empty receive, so the window costs nothing when the queue is drained.
     */
    public static final int TRANSFORM_BATCH_SIZE = 100;

    public static final Duration TRANSFORM_BATCH_WINDOW = Duration.ofSeconds(300);

    /**
     * The template's defaults for the worker's SQS event source (WorkerBatchSize, WorkerBatchingWindowSeconds), which
     * {@code ./recorder demo} runs with. The window matters while jobs arrive: a 500 ms window cut the batches a
     * fan-out still enqueueing fed to 20-70 jobs, each paying a batch's tail on the API.
     */
    public static final int WORKER_BATCH_SIZE = 200;

    public static final Duration WORKER_BATCH_WINDOW = Duration.ofSeconds(5);

    public StackLayout {
        if (!dlqRetention.minus(queueRetention).isPositive()) {
            throw new IllegalArgumentException("a DLQ must keep messages longer than its source queue (DLQ "
                    + dlqRetention + ", source " + queueRetention + "): a moved message keeps its enqueue time");
        }
        if (jobMaxReceiveCount < 1) {
            throw new IllegalArgumentException("maxReceiveCount must be >= 1, got " + jobMaxReceiveCount);
        }
    }

    /**
     * The local stack: the template's receive counts and retention, with timeouts short enough for tests. The
     * worker's 60 s holds a 100-job batch against a slow simulated API; transform objects take well under a second.
     */
    public static StackLayout local() {
        return new StackLayout(
                "offer-recorder",
                TEMPLATE_JOB_MAX_RECEIVES,
                Duration.ofSeconds(60),
                Duration.ofMinutes(15),
                Duration.ofSeconds(20),
                Duration.ofDays(12),
                Duration.ofDays(14));
    }

    public StackLayout withPrefix(String newPrefix) {
        return new StackLayout(
                newPrefix,
                jobMaxReceiveCount,
                workerTimeout,
                fanoutTimeout,
                transformTimeout,
                queueRetention,
                dlqRetention);
    }

    public StackLayout withMaxReceiveCount(int count) {
        return new StackLayout(
                prefix, count, workerTimeout, fanoutTimeout, transformTimeout, queueRetention, dlqRetention);
    }

    /** The worker's timeout; the job queue's visibility follows ({@value #VISIBILITY_PER_TIMEOUT}x). */
    public StackLayout withWorkerTimeout(Duration timeout) {
        return new StackLayout(
                prefix, jobMaxReceiveCount, timeout, fanoutTimeout, transformTimeout, queueRetention, dlqRetention);
    }

    public StackLayout withFanoutTimeout(Duration timeout) {
        return new StackLayout(
                prefix, jobMaxReceiveCount, workerTimeout, timeout, transformTimeout, queueRetention, dlqRetention);
    }

    public StackLayout withTransformTimeout(Duration timeout) {
        return new StackLayout(
                prefix, jobMaxReceiveCount, workerTimeout, fanoutTimeout, timeout, queueRetention, dlqRetention);
    }

    public Duration jobVisibility() {
        return workerTimeout.multipliedBy(VISIBILITY_PER_TIMEOUT);
    }

    public Duration fanoutVisibility() {
        return fanoutTimeout.multipliedBy(VISIBILITY_PER_TIMEOUT);
    }

    public Duration transformVisibility() {
        return transformTimeout.multipliedBy(VISIBILITY_PER_TIMEOUT);
    }

    public String jobQueue() {
        return prefix + "-jobs";
    }

    public String jobDlq() {
        return prefix + "-jobs-dlq";
    }

    public String fanoutQueue() {
        return prefix + "-fanout";
    }

    public String fanoutDlq() {
        return prefix + "-fanout-dlq";
    }

    public String transformQueue() {
        return prefix + "-transform";
    }

    public String transformDlq() {
        return prefix + "-transform-dlq";
    }

    public String rawBucket() {
        return prefix + "-raw";
    }

    public String platformBucket() {
        return prefix + "-platform";
    }
}
