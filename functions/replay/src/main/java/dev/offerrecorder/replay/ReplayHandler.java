package dev.offerrecorder.replay;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * Lambda entry point: {@code {"action":"start"|"list"|"cancel", "maxPerSecond"?, "taskHandle"?}}. Without a
 * rate, start derives one from {@code API_CAPACITY_RPS} and {@code REPLAY_HEADROOM}.
 */
public final class ReplayHandler implements RequestStreamHandler {
    private final RedriveService redrive;
    private final int defaultRate;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log = new JsonLog("replay");

    public ReplayHandler() {
        this(Env.system());
    }

    public ReplayHandler(Env env) {
        this.redrive = new RedriveService(AwsClients.sqs(env), env.require("JOB_DLQ_URL"),
                env.require("JOB_QUEUE_URL"));
        int capacity = env.getInt("API_CAPACITY_RPS", 50, 1, 1_000_000);
        int headroomPercent = env.getInt("REPLAY_HEADROOM_PERCENT", 50, 1, 100);
        this.defaultRate = RedriveService.rateFor(capacity, headroomPercent / 100.0);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = mapper.readTree(input);
        String action = request == null ? "start" : request.path("action").asText("start");
        Object result = switch (action) {
            case "start" -> redrive.start(request != null && request.has("maxPerSecond")
                    ? request.get("maxPerSecond").asInt() : defaultRate);
            case "list" -> redrive.list();
            case "cancel" -> {
                String handle = request.path("taskHandle").asText("");
                if (handle.isEmpty()) {
                    throw new IllegalArgumentException("cancel needs \"taskHandle\"");
                }
                redrive.cancel(handle);
                yield Map.of("cancelled", handle);
            }
            default -> throw new IllegalArgumentException("unknown action '" + action + "': start, list or cancel");
        };
        log.info("replay " + action, Map.of("result", result));
        mapper.writeValue(output, result);
    }
}
