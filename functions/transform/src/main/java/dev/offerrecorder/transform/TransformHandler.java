package dev.offerrecorder.transform;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.snapstart.Priming;
import dev.offerrecorder.shared.sqs.SqsBatches;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.crac.Resource;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Lambda entry point: S3 "object created" notifications for raw logs, delivered through the transform queue in
 * batches; the whole batch becomes one Parquet file per date partition ({@link TransformService}). A message that
 * fails (not a notification, or an object that could not be read) is reported alone, so SQS retries it and, after
 * maxReceiveCount, parks it in the DLQ; the batch's other objects land.
 */
public final class TransformHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Resource {
    private final TransformService service;
    private final S3Notifications notifications = new S3Notifications();
    private final JsonLog log = new JsonLog("transform");
    private final Tracing tracing;
    private final Env env;

    public TransformHandler() {
        this(Env.system());
    }

    /** With New Relic tracing: the layer's agent when present, a no-op otherwise. */
    public TransformHandler(Env env) {
        this(env, new NewRelicTracing());
    }

    public TransformHandler(Env env, Tracing tracing) {
        this(env, tracing, true);
    }

    /** {@code registerPriming}: false when a wrapper ({@link TransformStreamHandler}) registers and calls it. */
    TransformHandler(Env env, Tracing tracing, boolean registerPriming) {
        this.tracing = tracing;
        this.env = env;
        TransformConfig config = TransformConfig.from(env);
        this.service = new TransformService(AwsClients.s3(env), config.platformBucket(), config.workDir(), log);
        if (registerPriming) {
            org.crac.Core.getGlobalContext().register(this);
        }
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        // Which messages name each object: a notification delivered twice is one object, read once.
        Map<TransformService.Source, List<String>> messagesOf = new LinkedHashMap<>();
        Set<String> failed = new HashSet<>();
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            try {
                for (S3Notifications.ObjectRef ref : notifications.parse(message.getBody())) {
                    messagesOf
                            .computeIfAbsent(
                                    new TransformService.Source(ref.bucket(), ref.key()), s -> new ArrayList<>())
                            .add(message.getMessageId());
                }
            } catch (RuntimeException e) {
                fail(message.getMessageId(), String.valueOf(e), failed);
            }
        }
        long rows = 0;
        if (!messagesOf.isEmpty()) {
            // One segment per batch: every object's read and parse, the Parquet encoding and the table writes.
            try (Tracing.Segment segment = tracing.segment("Transform/batchToParquet")) {
                segment.addAttribute("objects", messagesOf.size());
                TransformService.BatchResult result = service.transform(messagesOf.keySet());
                result.failed().forEach((source, e) -> messagesOf
                        .get(source)
                        .forEach(id -> fail(id, source.uri() + " could not be read: " + e, failed)));
                rows = result.objects().stream()
                        .mapToLong(TransformResult::rowsOut)
                        .sum();
                segment.addAttribute("rowsOut", rows);
                segment.addAttribute(
                        "quarantined",
                        result.objects().stream()
                                .mapToLong(TransformResult::quarantined)
                                .sum());
                segment.addAttribute("objectsFailed", result.failed().size());
            } catch (Exception e) {
                // Nothing of this batch is known to have landed whole: every message that named an object is
                // retried (what did land is overwritten by the same names, or deduped by compaction).
                messagesOf.values().stream()
                        .flatMap(List::stream)
                        .distinct()
                        .forEach(id -> fail(id, "the batch failed: " + e, failed));
            }
        }
        List<String> failures = event.getRecords().stream()
                .map(SQSEvent.SQSMessage::getMessageId)
                .filter(failed::contains)
                .toList();
        tracing.addAttributes(
                Map.of("batchSize", event.getRecords().size(), "messagesFailed", failures.size(), "rowsOut", rows));
        return SqsBatches.failures(failures);
    }

    private void fail(String messageId, String error, Set<String> failed) {
        if (failed.add(messageId)) {
            log.error("transform failed; message left for retry", Map.of("messageId", messageId, "error", error));
        }
    }

    /** SnapStart: warm the expensive first-use paths before the snapshot (see {@link Priming}). */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.primeShared();
        notifications.parse("{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"prime\"},"
                + "\"object\":{\"key\":\"raw/dt%3D2024-01-01/run%3Dprime/part-0.jsonl.gz\"}}}]}");
        // The raw read and the Parquet write, through the SDK's real request path on a throwaway client answering
        // canned replies: nothing is sent (see Priming#primeS3).
        Priming.primeS3(env, "", s3 -> {
            s3.getObjectAsBytes(r -> r.bucket("prime").key("raw/dt=2024-01-01/run=prime/part-0.jsonl.gz"));
            s3.putObject(
                    PutObjectRequest.builder()
                            .bucket("prime")
                            .key("offer_recordings/dt=2024-01-01/prime.parquet")
                            .build(),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[] {'P', 'A', 'R', '1'}));
        });
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection or credential is opened before the snapshot.
    }
}
