package dev.offerrecorder.fanout;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.snapstart.Priming;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.Map;
import org.crac.Resource;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Lambda entry point for a schedule (EventBridge rule or Scheduler), a backfill request (direct invoke) or an SQS
 * batch of slice messages. A stream handler, because one function takes these shapes. Replies with the run
 * summary as JSON, or for an SQS batch with the partial-batch response ({@code batchItemFailures}).
 */
public final class FanoutHandler implements RequestStreamHandler, Resource {
    private final FanoutService service;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log = new JsonLog("fanout");

    public FanoutHandler() {
        this(Env.system());
    }

    public FanoutHandler(Env env) {
        this(env, new NewRelicTracing());
    }

    /** @param tracing the port to New Relic; tests pass a recording one */
    public FanoutHandler(Env env, Tracing tracing) {
        FanoutConfig config = FanoutConfig.from(env);
        this.service = new FanoutService(
                config,
                AwsClients.sqs(env),
                new ManifestReader(AwsClients.s3(env), tracing),
                Clock.systemUTC(),
                log,
                tracing);
        org.crac.Core.getGlobalContext().register(this);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        FanoutService.Reply reply;
        try {
            JsonNode request;
            try {
                request = mapper.readTree(input);
            } catch (JsonProcessingException e) {
                throw new BadRequestException("request is not JSON: " + e.getOriginalMessage());
            }
            reply = service.handle(request, context::getRemainingTimeInMillis);
        } catch (BadRequestException e) {
            log.error("bad fan-out request", Map.of("reason", e.getMessage()));
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("fan-out interrupted", e);
        }
        switch (reply) {
            case FanoutService.Planned p -> {
                log.info("fan-out done", Map.of("summary", p.summary()));
                mapper.writeValue(output, p.summary());
            }
            case FanoutService.SliceBatch b -> mapper.writeValue(output, b.response());
        }
    }

    /** SnapStart: warm the expensive first-use paths before the snapshot (see {@link Priming}). */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.primeShared();
        // Request objects load the SQS model and its marshalling classes; nothing is sent.
        SendMessageBatchRequest.builder()
                .queueUrl("https://sqs.invalid/prime")
                .entries(SendMessageBatchRequestEntry.builder()
                        .id("0")
                        .messageBody("{}")
                        .build())
                .build();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection or credential is opened before the snapshot.
    }
}
