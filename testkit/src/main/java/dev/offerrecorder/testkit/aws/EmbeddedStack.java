package dev.offerrecorder.testkit.aws;

import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.aws.QueueCounts;
import dev.offerrecorder.shared.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The embedded AWS with the stack's resources created as template.yaml declares them: the job, fan-out and
 * transform queues, each with its DLQ and redrive policy, and the raw and platform buckets.
 */
public final class EmbeddedStack implements AutoCloseable {
    private final EmbeddedAws aws;
    private final StackLayout layout;
    private final SqsClient sqs;
    private final S3Client s3;
    private final Map<String, String> urls = new HashMap<>();

    private EmbeddedStack(EmbeddedAws aws, StackLayout layout) {
        this.aws = aws;
        this.layout = layout;
        Env env = baseEnv();
        this.sqs = AwsClients.sqs(env);
        this.s3 = AwsClients.s3(env);
    }

    public static EmbeddedStack start(Path dataDir, StackLayout layout) throws Exception {
        return on(EmbeddedAws.start(dataDir), layout);
    }

    /**
     * The stack's resources on {@code aws}. On an external endpoint (LocalStack), which outlives this stack and
     * may serve several at once, the names get a random suffix, so stacks neither share queues nor see each
     * other's leftovers.
     */
    public static EmbeddedStack on(EmbeddedAws aws, StackLayout layout) throws Exception {
        StackLayout named = aws.external()
                ? layout.withPrefix(layout.prefix() + "-" + Long.toHexString(new SecureRandom().nextLong() >>> 28))
                : layout;
        try {
            EmbeddedStack stack = new EmbeddedStack(aws, named);
            stack.create();
            return stack;
        } catch (Exception e) {
            aws.close();
            throw e;
        }
    }

    private void create() {
        queueWithDlq(layout.jobQueue(), layout.jobDlq(), layout.jobVisibility(), layout.jobMaxReceiveCount());
        queueWithDlq(
                layout.fanoutQueue(), layout.fanoutDlq(), layout.fanoutVisibility(), StackLayout.FANOUT_MAX_RECEIVES);
        queueWithDlq(
                layout.transformQueue(),
                layout.transformDlq(),
                layout.transformVisibility(),
                StackLayout.TRANSFORM_MAX_RECEIVES);
        for (String bucket : new String[] {layout.rawBucket(), layout.platformBucket()}) {
            try {
                s3.createBucket(r -> r.bucket(bucket));
            } catch (BucketAlreadyOwnedByYouException e) {
                // A data directory reused from an earlier run already has it.
            }
        }
    }

    private void queueWithDlq(String name, String dlqName, Duration visibility, int maxReceiveCount) {
        String dlqUrl = sqs.createQueue(r -> r.queueName(dlqName)
                        .attributes(
                                Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, seconds(layout.dlqRetention()))))
                .queueUrl();
        String dlqArn = arn(dlqUrl);
        String url = sqs.createQueue(r -> r.queueName(name)
                        .attributes(Map.of(
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                seconds(visibility),
                                QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                                seconds(layout.queueRetention()),
                                QueueAttributeName.REDRIVE_POLICY,
                                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount
                                        + "\"}")))
                .queueUrl();
        urls.put(name, url);
        urls.put(dlqName, dlqUrl);
    }

    private static String seconds(Duration d) {
        // SQS takes whole seconds; round a sub-second test timeout's visibility up, never down to 0.
        return Long.toString((d.toMillis() + 999) / 1000);
    }

    public String arn(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    public String url(String queueName) {
        String url = urls.get(queueName);
        if (url == null) {
            throw new IllegalArgumentException("no queue " + queueName);
        }
        return url;
    }

    public StackLayout layout() {
        return layout;
    }

    public SqsClient sqs() {
        return sqs;
    }

    public S3Client s3() {
        return s3;
    }

    public EmbeddedAws aws() {
        return aws;
    }

    /** Region and endpoints: what every function's environment starts from. */
    public Env baseEnv() {
        Map<String, String> env = new HashMap<>();
        aws.endpointEnvironment().forEach((k, v) -> env.put((String) k, (String) v));
        return new Env(env);
    }

    public Env fanoutEnv() {
        return baseEnv()
                .with("JOB_QUEUE_URL", url(layout.jobQueue()))
                .with("FANOUT_QUEUE_URL", url(layout.fanoutQueue()))
                .with("RAW_BUCKET", layout.rawBucket())
                .with("TIME_ZONE", "Asia/Tokyo");
    }

    /**
     * The worker's environment as the template sets it, with its share of the API: {@code API_CAPACITY_RPS} (what
     * the operator says the API takes; here usually the simulator's ceiling W / L) and {@code
     * WORKER_MAX_CONCURRENCY} (the event source's MaximumConcurrency), so each container paces at their quotient.
     */
    public Env workerEnv(String apiUrlTemplate, double apiCapacityRps, int maxConcurrency) {
        return workerEnv(apiUrlTemplate)
                .with("API_CAPACITY_RPS", Double.toString(apiCapacityRps))
                .with("WORKER_MAX_CONCURRENCY", Integer.toString(maxConcurrency));
    }

    /** The worker's environment without pacing: only the adaptive limit bounds its calls (tests of one container). */
    public Env workerEnv(String apiUrlTemplate) {
        // A failed job comes back after 1, 2, 4... s: the template's 30 s base on the local time scale.
        return baseEnv()
                .with("CALC_API_URL_TEMPLATE", apiUrlTemplate)
                .with("RAW_BUCKET", layout.rawBucket())
                .with("JOB_QUEUE_URL", url(layout.jobQueue()))
                .with("RETRY_DELAY_SECONDS", "1");
    }

    public Env transformEnv(Path workDir) {
        return baseEnv().with("PLATFORM_BUCKET", layout.platformBucket()).with("WORK_DIR", workDir.toString());
    }

    public Env replayEnv() {
        return baseEnv()
                .with("JOB_QUEUE_URL", url(layout.jobQueue()))
                .with("JOB_DLQ_URL", url(layout.jobDlq()))
                .with("RAW_BUCKET", layout.rawBucket());
    }

    /**
     * The objects under {@code bucket/prefix} as local files ({@code .../bucket/prefix/...}), for readers that
     * want files (DuckDB, Parquet footers): S3Proxy's own files, or on an external endpoint a fresh download.
     */
    public Path localCopy(String bucket, String prefix) throws IOException {
        Optional<Path> store = aws.s3Dir();
        if (store.isPresent()) {
            return store.get().resolve(bucket).resolve(prefix);
        }
        Path root = Files.createTempDirectory("s3-copy-");
        String keyPrefix = prefix.endsWith("/") ? prefix : prefix + "/";
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(keyPrefix))
                .contents()) {
            Path target = root.resolve(bucket).resolve(o.key()).normalize();
            if (!target.startsWith(root)) {
                throw new IOException("object key " + o.key() + " escapes the copy directory");
            }
            Files.createDirectories(target.getParent());
            s3.getObject(r -> r.bucket(bucket).key(o.key()), target);
        }
        return root.resolve(bucket).resolve(prefix);
    }

    /** Visible plus in-flight messages on a queue. */
    public QueueDepth depth(String queueName) {
        QueueCounts c = QueueCounts.read(sqs, url(queueName));
        return new QueueDepth(c.visible(), c.inFlight() + c.delayed());
    }

    public record QueueDepth(long visible, long inFlight) {
        public long total() {
            return visible + inFlight;
        }
    }

    @Override
    public void close() {
        sqs.close();
        s3.close();
        aws.close();
    }
}
