package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.replay.ReplayService;
import dev.offerrecorder.shared.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The replay function's actions from the operator's side: every call goes through the function (its role, its
 * rate derived from the API's capacity), so the CLI and {@code sam remote invoke} behave the same.
 */
public final class ReplayOps {
    private final FunctionInvoker invoker;
    private final String function;
    private final ObjectMapper mapper = Json.newMapper();

    public record Cancelled(String cancelled, String message) {}

    public ReplayOps(FunctionInvoker invoker, String function) {
        this.invoker = invoker;
        this.function = function;
    }

    public ReplayService.DlqPeek peek(int sample) {
        return call(request("peek").put("sample", sample), ReplayService.DlqPeek.class);
    }

    /** @param maxPerSecond null: the rate the function derives from the API's capacity */
    public ReplayService.StartResult start(Integer maxPerSecond) {
        ObjectNode request = request("start");
        if (maxPerSecond != null) {
            request.put("maxPerSecond", maxPerSecond);
        }
        return call(request, ReplayService.StartResult.class);
    }

    public List<ReplayService.Task> list() {
        return Arrays.asList(call(request("list"), ReplayService.Task[].class));
    }

    /** @param taskHandle null: whichever task is running */
    public Cancelled cancel(String taskHandle) {
        ObjectNode request = request("cancel");
        if (taskHandle != null) {
            request.put("taskHandle", taskHandle);
        }
        return call(request, Cancelled.class);
    }

    private ObjectNode request(String action) {
        return mapper.createObjectNode().put("action", action);
    }

    private <T> T call(ObjectNode request, Class<T> type) {
        JsonNode reply = invoker.invoke(function, request);
        try {
            return mapper.treeToValue(reply, type);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    function + " answered " + request.path("action").asText() + " with an unexpected shape: " + reply,
                    e);
        }
    }
}
