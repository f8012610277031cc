package dev.offerrecorder.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawRecord;
import java.io.IOException;
import java.util.List;

/**
 * Turns one raw-log line into an {@link OfferRow} by the column table {@link OfferColumns#TABLE}, or says why
 * the line belongs in quarantine: not JSON, a required field missing, a value of the wrong type, an unknown
 * outcome or version, an ID that is not an ID.
 */
final class RawLineParser {
    private static final int OUTCOME = OfferColumns.index("outcome");
    private static final int SHOP_ID = OfferColumns.index("shop_id");
    private static final int RUN_ID = OfferColumns.index("run_id");
    private static final int RESPONSE_JSON = OfferColumns.index("response_json");

    private final ObjectMapper mapper = Json.newMapper();

    sealed interface Parsed {
    }

    record Row(OfferRow row) implements Parsed {
    }

    record Bad(String reason) implements Parsed {
    }

    Parsed parse(String line, String sourceObject) {
        byte[] bytes = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, sourceObject);
    }

    /** Parses UTF-8 bytes {@code buf[off, off+len)}: no String is made for a good line's envelope. */
    Parsed parse(byte[] buf, int off, int len, String sourceObject) {
        JsonNode node;
        try {
            node = mapper.readTree(buf, off, len);
        } catch (JsonProcessingException e) {
            return new Bad("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new Bad("not valid JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            return new Bad("not a JSON object");
        }
        JsonNode version = node.get("v");
        if (version == null || !version.isIntegralNumber()) {
            return new Bad("required field 'v' (raw-log version) is missing or not a whole number");
        }
        if (version.intValue() != RawRecord.VERSION) {
            return new Bad("unsupported raw-log version " + version);
        }

        List<OfferColumns.Column> table = OfferColumns.TABLE;
        Object[] values = new Object[table.size()];
        for (int i = 0; i < values.length; i++) {
            OfferColumns.Column c = table.get(i);
            switch (c.source()) {
                case RAW -> {
                    String problem = read(node, c, values, i, "field");
                    if (problem != null) {
                        return new Bad(problem);
                    }
                }
                case SOURCE_OBJECT -> values[i] = sourceObject;
                case RESPONSE -> {
                    // Filled below, once the outcome says whether there is a response to read.
                }
            }
        }

        String shopId = (String) values[SHOP_ID];
        String runId = (String) values[RUN_ID];
        if (!Job.isValidId(shopId)) {
            return new Bad("field 'shopId' is not a valid ID: " + abbreviate(shopId));
        }
        if (!Job.isValidId(runId)) {
            return new Bad("field 'runId' is not a valid ID: " + abbreviate(runId));
        }
        Outcome outcome;
        try {
            outcome = Outcome.valueOf((String) values[OUTCOME]);
        } catch (IllegalArgumentException e) {
            return new Bad("unknown outcome '" + abbreviate((String) values[OUTCOME]) + "'");
        }

        if (outcome == Outcome.OK) {
            String body = (String) values[RESPONSE_JSON];
            JsonNode response;
            try {
                response = body == null ? null : mapper.readTree(body);
            } catch (JsonProcessingException e) {
                return new Bad("outcome OK but responseBody is not JSON: " + e.getOriginalMessage());
            }
            if (response == null || !response.isObject()) {
                return new Bad("outcome OK but responseBody is not a JSON object");
            }
            for (int i = 0; i < values.length; i++) {
                if (table.get(i).source() == OfferColumns.Source.RESPONSE) {
                    String problem = read(response, table.get(i), values, i, "response field");
                    if (problem != null) {
                        return new Bad(problem);
                    }
                }
            }
        }
        return new Row(new OfferRow(values));
    }

    /** Reads one column's field into {@code values[i]}; returns why it cannot, or null. */
    private static String read(JsonNode node, OfferColumns.Column c, Object[] values, int i, String what) {
        JsonNode v = node.get(c.field());
        if (v == null || v.isNull()) {
            return c.required() ? "required " + what + " '" + c.field() + "' is missing" : null;
        }
        Object value = c.type().fromJson(v);
        if (value == null) {
            return what + " '" + c.field() + "' must be " + c.type() + ", got " + abbreviate(v.toString());
        }
        values[i] = value;
        return null;
    }

    private static String abbreviate(String s) {
        return s == null || s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
