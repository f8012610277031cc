package dev.offerrecorder.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;

/** Turns a definitive HTTP answer into an {@link Outcome}, with the reason when the body is unusable. */
final class ResponseClassifier {
    private final ObjectMapper mapper = Json.newMapper();

    record Classified(Outcome outcome, String error) {}

    Classified classify(int status, String body) {
        if (status == 404) {
            return new Classified(Outcome.NOT_FOUND, null);
        }
        if (status >= 400) {
            return new Classified(Outcome.CLIENT_ERROR, "HTTP " + status);
        }
        if (status < 200 || status >= 300) {
            return new Classified(Outcome.CLIENT_ERROR, "unexpected HTTP " + status);
        }
        if (body == null || body.isBlank()) {
            return new Classified(Outcome.GARBAGE, "empty body");
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || !node.isObject()) {
                return new Classified(Outcome.GARBAGE, "body is not a JSON object");
            }
            return new Classified(Outcome.OK, null);
        } catch (JsonProcessingException e) {
            return new Classified(Outcome.GARBAGE, "body is not JSON: " + e.getOriginalMessage());
        }
    }
}
