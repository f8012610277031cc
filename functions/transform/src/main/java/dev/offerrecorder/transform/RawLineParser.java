package dev.offerrecorder.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawRecord;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/** Turns one raw-log line into an {@link OfferRow}, or says why it belongs in quarantine. */
final class RawLineParser {
    private final ObjectMapper mapper = Json.newMapper();

    sealed interface Parsed {
    }

    record Row(OfferRow row) implements Parsed {
    }

    record Bad(String reason) implements Parsed {
    }

    Parsed parse(String line, String sourceObject) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (JsonProcessingException e) {
            return new Bad("not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return new Bad("not a JSON object");
        }
        try {
            int v = intField(node, "v");
            if (v != RawRecord.VERSION) {
                return new Bad("unsupported raw-log version " + v);
            }
            String runId = textField(node, "runId");
            String shopId = textField(node, "shopId");
            if (!Job.isValidId(runId) || !Job.isValidId(shopId)) {
                return new Bad("runId or shopId is not a valid ID");
            }
            LocalDate targetDate = LocalDate.parse(textField(node, "targetDate"));
            Outcome outcome = Outcome.valueOf(textField(node, "outcome"));
            Instant recordedAt = Instant.parse(textField(node, "recordedAt"));
            int status = intField(node, "httpStatus");
            long latency = node.path("latencyMs").isIntegralNumber() ? node.get("latencyMs").asLong() : -1;
            if (latency < 0) {
                return new Bad("field 'latencyMs' is missing or not a whole number");
            }
            int attempts = intField(node, "attempts");
            JsonNode bodyNode = node.get("responseBody");
            String body = bodyNode == null || bodyNode.isNull() ? null : bodyNode.asText();

            Map<String, Object> columns = new HashMap<>();
            if (outcome == Outcome.OK) {
                JsonNode response;
                try {
                    response = body == null ? null : mapper.readTree(body);
                } catch (JsonProcessingException e) {
                    return new Bad("outcome OK but responseBody is not JSON");
                }
                if (response == null || !response.isObject()) {
                    return new Bad("outcome OK but responseBody is not a JSON object");
                }
                for (OfferColumns.Column c : OfferColumns.RESPONSE_COLUMNS) {
                    columns.put(c.column(), OfferColumns.read(response, c));
                }
            }
            return new Row(new OfferRow(shopId, targetDate,
                    (Long) columns.get("offer_amount"), (String) columns.get("currency"),
                    (Boolean) columns.get("eligible"), (Double) columns.get("anomaly_score"),
                    (String) columns.get("model_version"), (Instant) columns.get("calculated_at"),
                    status, outcome.name(), latency, attempts, runId, recordedAt,
                    node.path("requestUrl").asText(null), body, sourceObject));
        } catch (MissingField e) {
            return new Bad(e.getMessage());
        } catch (OfferColumns.WrongType e) {
            return new Bad(e.getMessage());
        } catch (DateTimeParseException e) {
            return new Bad("bad date or time: '" + e.getParsedString() + "'");
        } catch (IllegalArgumentException e) {
            return new Bad("unknown outcome '" + node.path("outcome").asText() + "'");
        }
    }

    private static final class MissingField extends Exception {
        MissingField(String message) {
            super(message);
        }
    }

    private static String textField(JsonNode node, String name) throws MissingField {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new MissingField("required field '" + name + "' is missing");
        }
        if (!v.isTextual()) {
            throw new MissingField("field '" + name + "' must be a string, got " + v.getNodeType());
        }
        return v.textValue();
    }

    private static int intField(JsonNode node, String name) throws MissingField {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new MissingField("required field '" + name + "' is missing");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new MissingField("field '" + name + "' must be a whole number, got " + v);
        }
        return v.intValue();
    }
}
