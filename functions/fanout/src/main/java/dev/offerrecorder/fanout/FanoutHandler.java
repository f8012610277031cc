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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Lambda entry point for an EventBridge schedule, a backfill request (direct invoke) or an SQS batch of slices.
 * A stream handler, because one function takes three input shapes. Replies with the run summary as JSON.
 */
public final class FanoutHandler implements RequestStreamHandler {
    private final FanoutService service;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log = new JsonLog("fanout");

    public FanoutHandler() {
        this(Env.system());
    }

    public FanoutHandler(Env env) {
        FanoutConfig config = FanoutConfig.from(env);
        SqsClient sqs = AwsClients.sqs(env);
        this.service = new FanoutService(config, sqs, new ManifestReader(AwsClients.s3(env)), Clock.systemUTC(), log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request;
        try {
            request = mapper.readTree(input);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("request is not JSON: " + e.getOriginalMessage());
        }
        List<FanoutSummary> summaries;
        try {
            summaries = service.handle(request, context::getRemainingTimeInMillis);
        } catch (BadRequestException e) {
            log.error("bad fan-out request", Map.of("reason", e.getMessage()));
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("fan-out interrupted", e);
        }
        summaries.forEach(s -> log.info("fan-out done", Map.of("summary", s)));
        mapper.writeValue(output, summaries.size() == 1 ? summaries.getFirst() : summaries);
    }
}
