package dev.offerrecorder.transform;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The one place that says which calculation-API response fields become typed columns. Each line names the
 * JSON field, the column and the type it must have; a value of another type sends the line to quarantine.
 * Adding a column: add a component to {@link OfferRow}, one line here, and a test.
 */
public final class OfferColumns {
    private OfferColumns() {
    }

    public enum Type { INT64, DOUBLE, BOOLEAN, STRING, TIMESTAMP }

    public record Column(String jsonField, String column, Type type) {
    }

    public static final List<Column> RESPONSE_COLUMNS = List.of(
            new Column("offer_amount", "offer_amount", Type.INT64),
            new Column("currency", "currency", Type.STRING),
            new Column("eligible", "eligible", Type.BOOLEAN),
            new Column("anomaly_score", "anomaly_score", Type.DOUBLE),
            new Column("model_version", "model_version", Type.STRING),
            new Column("calculated_at", "calculated_at", Type.TIMESTAMP));

    /** Thrown when a mapped field holds a value of the wrong type. */
    public static final class WrongType extends Exception {
        public WrongType(String message) {
            super(message);
        }
    }

    /** Reads one mapped field: null when absent or JSON null, the typed value otherwise. */
    public static Object read(JsonNode response, Column column) throws WrongType {
        JsonNode v = response.get(column.jsonField());
        if (v == null || v.isNull()) {
            return null;
        }
        return switch (column.type()) {
            case INT64 -> {
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw wrong(column, v);
                }
                yield v.longValue();
            }
            case DOUBLE -> {
                if (!v.isNumber()) {
                    throw wrong(column, v);
                }
                yield v.doubleValue();
            }
            case BOOLEAN -> {
                if (!v.isBoolean()) {
                    throw wrong(column, v);
                }
                yield v.booleanValue();
            }
            case STRING -> {
                if (!v.isTextual()) {
                    throw wrong(column, v);
                }
                yield v.textValue();
            }
            case TIMESTAMP -> {
                try {
                    yield Instant.parse(v.asText());
                } catch (DateTimeParseException e) {
                    throw wrong(column, v);
                }
            }
        };
    }

    private static WrongType wrong(Column column, JsonNode v) {
        String shown = v.toString();
        return new WrongType("response field '" + column.jsonField() + "' must be " + column.type() + ", got "
                + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown));
    }
}
