package dev.offerrecorder.transform;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.jerolba.carpet.model.FieldType;
import com.jerolba.carpet.model.FieldTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The table {@code offer_recordings}, declared once: every column, its type, and where its value comes from.
 * The parser reads values by this table, the Parquet writer builds its schema from it, compaction reads files
 * back by it. <b>Adding a typed column from the API's response is one line in {@link #RESPONSE_COLUMNS}</b>;
 * then declare it in docs/athena.sql (Athena reads declared columns only; QueryRecipesTest checks the DDL
 * against the files) and in TransformToParquetTest's expected schema, with a value check. Response fields not
 * listed here are still kept, verbatim, in {@code response_json}.
 */
public final class OfferColumns {
    private OfferColumns() {}

    /** Column types: the Parquet type written and the JSON value accepted (anything else is quarantined). */
    public enum Type {
        STRING(FieldTypes.STRING),
        INT32(FieldTypes.INTEGER),
        /** Amounts: whole numbers only (a JSON 12.5 is a wrong type, not a rounding). */
        INT64(FieldTypes.LONG),
        DOUBLE(FieldTypes.DOUBLE),
        BOOLEAN(FieldTypes.BOOLEAN),
        /** JSON "YYYY-MM-DD" to Parquet DATE. */
        DATE(FieldTypes.LOCAL_DATE),
        /** JSON ISO-8601 instant (Z or an offset) to Parquet TIMESTAMP adjusted to UTC. */
        TIMESTAMP(FieldTypes.INSTANT);

        private final FieldType parquet;

        Type(FieldType parquet) {
            this.parquet = parquet;
        }

        FieldType parquet(boolean required) {
            return !required
                    ? parquet
                    : switch (this) {
                        case STRING -> FieldTypes.STRING.notNull();
                        case INT32 -> FieldTypes.INTEGER.notNull();
                        case INT64 -> FieldTypes.LONG.notNull();
                        case DOUBLE -> FieldTypes.DOUBLE.notNull();
                        case BOOLEAN -> FieldTypes.BOOLEAN.notNull();
                        case DATE -> FieldTypes.LOCAL_DATE.notNull();
                        case TIMESTAMP -> FieldTypes.INSTANT.notNull();
                    };
        }

        /**
         * The Java value of the JSON value at the parser's current token {@code t} (not null), or null when the
         * value has another type. Reads the value only: the caller skips a wrong-typed object or array.
         */
        Object fromToken(JsonParser p, JsonToken t) throws IOException {
            return switch (this) {
                case STRING -> t == JsonToken.VALUE_STRING ? p.getText() : null;
                case INT32 ->
                    t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                            ? p.getIntValue()
                            : null;
                case INT64 ->
                    t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            ? p.getLongValue()
                            : null;
                case DOUBLE ->
                    t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT ? p.getDoubleValue() : null;
                case BOOLEAN ->
                    t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
                case DATE -> t == JsonToken.VALUE_STRING ? IsoTime.date(p.getText()) : null;
                case TIMESTAMP -> t == JsonToken.VALUE_STRING ? IsoTime.instant(p.getText()) : null;
            };
        }
    }

    /** Where a column's value comes from. */
    public enum Source {
        /** A field of the raw-log line ({@code RawRecord}). */
        RAW,
        /** A field of the API's JSON response (outcome OK only; null for other outcomes). */
        RESPONSE,
        /** The raw object the row came from ({@code s3://bucket/key}), for lineage. */
        SOURCE_OBJECT
    }

    /**
     * One column. {@code field} is the JSON field it is read from; {@code required} columns make a line that
     * lacks them go to quarantine and are written as REQUIRED Parquet columns.
     */
    public record Column(String name, Type type, Source source, String field, boolean required) {}

    /** Response fields that become typed columns, in column order. Unlisted fields stay in response_json. */
    public static final List<Column> RESPONSE_COLUMNS = List.of(
            response("offer_amount", Type.INT64),
            response("currency", Type.STRING),
            response("eligible", Type.BOOLEAN),
            response("anomaly_score", Type.DOUBLE),
            response("model_version", Type.STRING),
            response("calculated_at", Type.TIMESTAMP));

    /** Every column of the table, in the order they are written. */
    public static final List<Column> TABLE = table();

    private static final Map<String, Integer> INDEX = IntStream.range(0, TABLE.size())
            .boxed()
            .collect(Collectors.toUnmodifiableMap(i -> TABLE.get(i).name(), i -> i));

    private static List<Column> table() {
        List<Column> t = new ArrayList<>();
        t.add(raw("shop_id", "shopId", Type.STRING, true));
        t.add(raw("target_date", "targetDate", Type.DATE, true));
        t.addAll(RESPONSE_COLUMNS);
        t.add(raw("http_status", "httpStatus", Type.INT32, true));
        t.add(raw("outcome", "outcome", Type.STRING, true));
        // Why an answer is not OK: the worker's reason for GARBAGE and CLIENT_ERROR rows, or the transform's when
        // an OK answer does not fit the table (it then becomes a GARBAGE row, see RawLineParser).
        t.add(raw("error", "error", Type.STRING, false));
        t.add(raw("latency_ms", "latencyMs", Type.INT64, true));
        t.add(raw("attempts", "attempts", Type.INT32, true));
        t.add(raw("run_id", "runId", Type.STRING, true));
        t.add(raw("recorded_at", "recordedAt", Type.TIMESTAMP, true));
        t.add(raw("request_url", "requestUrl", Type.STRING, false));
        // The API's body verbatim (every field, mapped or not; the text itself for non-JSON answers).
        t.add(raw("response_json", "responseBody", Type.STRING, false));
        t.add(new Column("source_object", Type.STRING, Source.SOURCE_OBJECT, null, true));
        return List.copyOf(t);
    }

    /** Position of a column in {@link #TABLE}; fails naming the column when the table has no such column. */
    public static int index(String column) {
        Integer i = INDEX.get(column);
        if (i == null) {
            throw new IllegalArgumentException("offer_recordings has no column '" + column + "'");
        }
        return i;
    }

    static boolean has(String column) {
        return INDEX.containsKey(column);
    }

    private static Column response(String field, Type type) {
        return new Column(field, type, Source.RESPONSE, field, false);
    }

    private static Column raw(String column, String field, Type type, boolean required) {
        return new Column(column, type, Source.RAW, field, required);
    }
}
