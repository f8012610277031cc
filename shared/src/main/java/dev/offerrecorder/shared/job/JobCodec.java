package dev.offerrecorder.shared.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.json.Json;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** The SQS message body of a job: {@code {"v":1,"runId":"...","shopId":"...","date":"YYYY-MM-DD"}}. */
public final class JobCodec {
    public static final int VERSION = 1;
    private final ObjectMapper mapper = Json.newMapper();

    public String encode(Job job) {
        ObjectNode node = mapper.createObjectNode()
                .put("v", VERSION)
                .put("runId", job.runId())
                .put("shopId", job.shopId())
                .put("date", job.date().toString());
        return node.toString();
    }

    /** Parses and validates a body; throws {@link InvalidJobException} saying exactly what is wrong. */
    public Job decode(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidJobException("message body is empty");
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidJobException("message body is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidJobException("message body is not a JSON object");
        }
        JsonNode version = node.get("v");
        if (version != null && version.asInt(-1) != VERSION) {
            throw new InvalidJobException("unsupported job version " + version);
        }
        String runId = text(node, "runId");
        String shopId = text(node, "shopId");
        String date = text(node, "date");
        LocalDate parsed;
        try {
            parsed = date == null ? null : LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            // A bad ID is reported before a bad date; the Job constructor checks the IDs of every valid message.
            Job.requireId("runId", runId);
            Job.requireId("shopId", shopId);
            throw new InvalidJobException("date '" + date + "' is not YYYY-MM-DD");
        }
        return new Job(runId, shopId, parsed);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidJobException(field + " must be a string, got " + value.getNodeType());
        }
        return value.asText();
    }
}
