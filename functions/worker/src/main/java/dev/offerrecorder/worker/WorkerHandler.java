package dev.offerrecorder.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Lambda entry point: SQS batch in, partial batch failures out. Wiring only; {@link WorkerService} does the work. */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final WorkerService service;
    private final JsonLog log = new JsonLog("worker");

    public WorkerHandler() {
        this(Env.system());
    }

    /** With New Relic tracing: the layer's agent when present, a no-op otherwise. */
    public WorkerHandler(Env env) {
        this(env, new NewRelicTracing());
    }

    public WorkerHandler(Env env, Tracing tracing) {
        WorkerConfig config = WorkerConfig.from(env);
        this.service = WorkerService.create(config, AwsClients.s3(env), ApiTokenSource.resolve(config, env), log,
                tracing);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<JobMessage> messages = event.getRecords().stream()
                .map(m -> new JobMessage(m.getMessageId(), m.getBody(), stringAttributes(m)))
                .toList();
        BatchResult result;
        try {
            result = service.process(messages, context::getRemainingTimeInMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("worker interrupted", e);
        }
        log.info("batch done", Map.of("result", result));
        return SQSBatchResponse.builder()
                .withBatchItemFailures(result.failedMessageIds().stream()
                        .map(id -> SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(id).build())
                        .toList())
                .build();
    }

    private static Map<String, String> stringAttributes(SQSEvent.SQSMessage message) {
        Map<String, String> out = new HashMap<>();
        if (message.getMessageAttributes() != null) {
            message.getMessageAttributes().forEach((name, value) -> {
                if (value != null && value.getStringValue() != null) {
                    out.put(name, value.getStringValue());
                }
            });
        }
        return out;
    }
}
