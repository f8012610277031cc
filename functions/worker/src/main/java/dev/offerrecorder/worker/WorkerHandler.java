package dev.offerrecorder.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.snapstart.Priming;
import dev.offerrecorder.shared.sqs.SqsBatches;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.crac.Resource;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** Lambda entry point: SQS batch in, partial batch failures out. Wiring only; {@link WorkerService} does the work. */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Resource {
    private final WorkerService service;
    private final RetryScheduler retries;
    private final JsonLog log = new JsonLog("worker");
    private final Env env;

    public WorkerHandler() {
        this(Env.system());
    }

    /** With New Relic tracing: the layer's agent when present, a no-op otherwise. */
    public WorkerHandler(Env env) {
        this(env, new NewRelicTracing());
    }

    public WorkerHandler(Env env, Tracing tracing) {
        this.env = env;
        WorkerConfig config = WorkerConfig.from(env);
        // S3 call timeouts below the write reserve: a hung write fails its jobs back to SQS in time.
        var s3 = AwsClients.s3(
                env, c -> c.apiCallTimeout(config.s3CallTimeout()).apiCallAttemptTimeout(config.s3AttemptTimeout()));
        // Read now (before a SnapStart snapshot), again after a restore and when the API refuses it.
        var credential = new ApiCredential(() -> ApiTokenSource.resolve(config, env));
        var sqs = config.jobQueueUrl().isPresent() ? AwsClients.sqs(env) : null;
        // A paced container follows its share of the API from the job queue's counts (FleetShare).
        var fleet = config.jobQueueUrl().isPresent() && config.apiCapacityRps().isPresent()
                ? java.util.Optional.of(new FleetShare(
                        sqs,
                        config.jobQueueUrl().get(),
                        config.apiCapacityRps().getAsDouble(),
                        config.workerMaxConcurrency(),
                        log))
                : java.util.Optional.<FleetShare>empty();
        this.service = WorkerService.create(config, s3, credential, log, tracing, fleet);
        this.retries = new RetryScheduler(sqs, config.jobQueueUrl(), config.retryDelay(), log);
        org.crac.Core.getGlobalContext().register(this);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<JobMessage> messages = event.getRecords().stream()
                .map(m -> new JobMessage(m.getMessageId(), m.getBody(), SqsBatches.stringAttributes(m)))
                .toList();
        BatchResult result;
        try {
            result = service.process(messages, context::getRemainingTimeInMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("worker interrupted", e);
        }
        log.info("batch done", Map.of("result", result));
        retries.schedule(event, Set.copyOf(result.failedMessageIds()));
        return SqsBatches.failures(result.failedMessageIds());
    }

    /** SnapStart: warm the expensive first-use paths before the snapshot (see {@link Priming}). */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.primeShared();
        // The S3 write and the SQS visibility change, through the SDK's real request path on throwaway clients
        // answering canned replies: nothing is sent (see Priming#primeS3).
        Priming.primeS3(
                env,
                "",
                s3 -> s3.putObject(
                        PutObjectRequest.builder()
                                .bucket("prime")
                                .key("raw/dt=2024-01-01/run=prime/part-0.jsonl.gz")
                                .build(),
                        software.amazon.awssdk.core.sync.RequestBody.fromBytes(new RawLogCodec().encode(List.of()))));
        dev.offerrecorder.shared.snapstart.SqsPriming.primeSqs(
                env,
                "{\"Successful\":[],\"Failed\":[]}",
                sqs ->
                        sqs.changeMessageVisibilityBatch(
                                r -> r.queueUrl("https://sqs.us-east-1.amazonaws.com/000000000000/prime")
                                        .entries(software.amazon.awssdk.services.sqs.model
                                                .ChangeMessageVisibilityBatchRequestEntry.builder()
                                                .id("0")
                                                .receiptHandle("prime")
                                                .visibilityTimeout(1)
                                                .build())));
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://prime.invalid/v1/shops/1/offer"))
                .GET()
                .build();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // The snapshot may be older than the last rotation of the API token.
        service.credential().reload();
    }
}
