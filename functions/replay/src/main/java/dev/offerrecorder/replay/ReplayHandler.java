package dev.offerrecorder.replay;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.shared.snapstart.Priming;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import org.crac.Resource;
import software.amazon.awssdk.services.sqs.model.StartMessageMoveTaskRequest;

/**
 * Lambda entry point, invoked directly ({@code sam remote invoke}, {@code ./recorder replay}); no action means peek:
 * <ul>
 *   <li>{@code {"action":"peek", "sample"?: 20}}: DLQ depth, oldest age, a sample grouped by failure reason;</li>
 *   <li>{@code {"action":"start", "maxPerSecond"?}}: replay at that rate, by default {@code API_CAPACITY_RPS} x
 *       {@code REPLAY_HEADROOM_PERCENT}; never above the API's capacity. Replies REFUSED while a task runs;</li>
 *   <li>{@code {"action":"list"}}: the DLQ's move tasks (an array);</li>
 *   <li>{@code {"action":"cancel", "taskHandle"?}}: cancels that task, or the running one.</li>
 * </ul>
 * A malformed request fails the invocation with an {@link BadRequestException} that says what is wrong.
 */
public final class ReplayHandler implements RequestStreamHandler, Resource {
    static final int DEFAULT_SAMPLE = 20;

    private final ReplayService replay;
    private final int capacity;
    private final int defaultRate;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log = new JsonLog("replay");
    private final Env env;

    public ReplayHandler() {
        this(Env.system());
    }

    public ReplayHandler(Env env) {
        this.env = env;
        ReplayConfig config = ReplayConfig.from(env);
        // RAW_BUCKET (optional): where the worker leaves each failed job's last reason for the peek to show.
        this.replay = new ReplayService(
                AwsClients.sqs(env),
                config.dlqUrl(),
                config.jobQueueUrl(),
                java.time.Clock.systemUTC(),
                config.rawBucket()
                        .map(bucket -> ReplayService.notesIn(AwsClients.s3(env), bucket))
                        .orElse(job -> java.util.Optional.empty()));
        this.capacity = config.apiCapacityRps();
        this.defaultRate = config.defaultRate();
        org.crac.Core.getGlobalContext().register(this);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request;
        try {
            request = mapper.readTree(input);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("request is not JSON: " + e.getOriginalMessage());
        }
        if (request == null || request.isMissingNode() || request.isNull()) {
            request = mapper.createObjectNode();
        }
        if (!request.isObject()) {
            throw new BadRequestException("request must be a JSON object like {\"action\":\"peek\"}");
        }
        // Without an action, only look: starting a replay must be asked for.
        String action = request.path("action").asText("peek");
        Object result =
                switch (action) {
                    case "peek" -> replay.peek(intField(request, "sample", DEFAULT_SAMPLE));
                    case "start" -> replay.start(rate(request));
                    case "list" -> replay.list();
                    case "cancel" -> cancel(request.path("taskHandle").asText(""));
                    default ->
                        throw new BadRequestException("unknown action '" + action + "': peek, start, list or cancel");
                };
        log.info("replay " + action, Map.of("result", result));
        mapper.writeValue(output, result);
    }

    private int rate(JsonNode request) {
        int rate = intField(request, "maxPerSecond", defaultRate);
        if (rate > capacity) {
            throw new BadRequestException("maxPerSecond " + rate + " is above the API's capacity of " + capacity
                    + " requests/s (API_CAPACITY_RPS); a replay must leave room for live traffic");
        }
        return rate;
    }

    private Map<String, Object> cancel(String handle) {
        Map<String, Object> reply = new HashMap<>();
        if (handle.isEmpty()) {
            var cancelled = replay.cancelRunning();
            reply.put("cancelled", cancelled.map(ReplayService.Task::taskHandle).orElse(null));
            reply.put(
                    "message",
                    cancelled
                            .map(t -> "cancelled task " + t.taskHandle() + " after " + t.moved() + " of " + t.toMove()
                                    + " messages")
                            .orElse("no replay is running"));
        } else {
            replay.cancel(handle);
            reply.put("cancelled", handle);
            reply.put("message", "cancelled task " + handle);
        }
        return reply;
    }

    private static int intField(JsonNode request, String field, int defaultValue) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new BadRequestException(field + " must be a whole number, got " + value);
        }
        return value.asInt();
    }

    /** SnapStart: warm the expensive first-use paths before the snapshot (see {@link Priming}). */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.primeShared();
        // A list of move tasks, through the SDK's real request path on a throwaway client answering a canned reply:
        // nothing is sent (see Priming#primeS3). Start and cancel share its protocol code, not their own models.
        dev.offerrecorder.shared.snapstart.SqsPriming.primeSqs(
                env,
                "{\"Results\":[]}",
                sqs -> sqs.listMessageMoveTasks(r -> r.sourceArn("arn:aws:sqs:us-east-1:000000000000:prime")));
        StartMessageMoveTaskRequest.builder()
                .sourceArn("arn:aws:sqs:us-east-1:000000000000:prime")
                .maxNumberOfMessagesPerSecond(defaultRate)
                .build();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection or credential is opened before the snapshot.
    }
}
