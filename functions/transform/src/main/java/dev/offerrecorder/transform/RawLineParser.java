package dev.offerrecorder.transform;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one raw-log line into an {@link OfferRow} by the column table {@link OfferColumns#TABLE}, or says why
 * the line belongs in quarantine: not JSON, a required field missing, a value of the wrong type, an unknown
 * outcome or version, IDs or a date that no job can have (the rules of {@link Job}).
 *
 * <p>A well-formed line whose OK answer does not fit the table (body not a JSON object, a mapped field of the
 * wrong type such as {@code "offer_amount":"12,000"}) is not quarantined: the line is a faithful record of what
 * the API said, so it becomes a GARBAGE row (as an HTML answer would), response columns null, the body kept in
 * response_json and the reason in error. Quarantining it would lose the job: the worker has acknowledged it.
 *
 * <p>Both the line and the response body are read with Jackson's streaming parser, picking the table's fields
 * and skipping the rest: building JSON trees cost a third of the transform's time.
 */
final class RawLineParser {
    private static final int OUTCOME = OfferColumns.index("outcome");
    private static final int SHOP_ID = OfferColumns.index("shop_id");
    private static final int RUN_ID = OfferColumns.index("run_id");
    private static final int RESPONSE_JSON = OfferColumns.index("response_json");
    private static final int TARGET_DATE = OfferColumns.index("target_date");
    private static final int ERROR = OfferColumns.index("error");

    private final JsonFactory json = Json.newMapper().getFactory();
    private final List<OfferColumns.Column> table = OfferColumns.TABLE;
    private final Map<String, Integer> rawFields = fields(OfferColumns.Source.RAW);
    private final Map<String, Integer> responseFields = fields(OfferColumns.Source.RESPONSE);

    /** Column ids for the fast path; the raw-log version "v" gets its own id. */
    private static final int VERSION_ID = 63;

    private final JsonCursor line = new JsonCursor();
    private final JsonCursor body = new JsonCursor();
    private final JsonCursor.Names rawNames;
    private final JsonCursor.Names responseNames = new JsonCursor.Names(responseFields);

    {
        body.expect(responseNames);
    }
    /** Length of the current line's response body in {@code line.copied()} (UTF-8, escapes resolved), or -1. */
    private int bodyLength = -1;
    /** Lines read by Jackson rather than {@link JsonCursor}, and OK bodies likewise: for tests. */
    private long jacksonReadings;

    RawLineParser() {
        if (table.size() >= VERSION_ID) {
            throw new IllegalStateException("the fast path tracks at most " + VERSION_ID + " columns");
        }
        Map<String, Integer> names = new HashMap<>(rawFields);
        names.put("v", VERSION_ID);
        rawNames = new JsonCursor.Names(names);
        line.expect(rawNames);
    }

    sealed interface Parsed {}

    /** A row; {@code reclassified} says why an OK answer was recorded as GARBAGE, null otherwise. */
    record Row(OfferRow row, String reclassified) implements Parsed {}

    record Bad(String reason) implements Parsed {}

    private Map<String, Integer> fields(OfferColumns.Source source) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < table.size(); i++) {
            if (table.get(i).source() == source) {
                m.put(table.get(i).field(), i);
            }
        }
        return Map.copyOf(m);
    }

    Parsed parse(String line, String sourceObject) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, sourceObject);
    }

    /**
     * Parses the UTF-8 line {@code buf[off, off+len)}: through {@link JsonCursor} in one pass over the bytes, or,
     * when the line holds anything the cursor leaves to Jackson (bad JSON, a value of the wrong type, a duplicate
     * field, an odd escape), through Jackson as before, which gives the same row or words the error.
     */
    Parsed parse(byte[] buf, int off, int len, String sourceObject) {
        Object[] values = new Object[table.size()];
        try {
            readLine(buf, off, len, values);
        } catch (JsonCursor.Unsure e) {
            jacksonReadings++;
            return parseWithJackson(buf, off, len, sourceObject);
        }
        return complete(values, null, sourceObject, true);
    }

    /** Fills the line's columns, or gives up on anything but a well-formed line of well-typed values. */
    private void readLine(byte[] buf, int off, int len, Object[] values) throws JsonCursor.Unsure {
        bodyLength = -1;
        line.reset(buf, off, len);
        line.openObject();
        long seen = 0;
        while (line.nextField()) {
            int id = line.field(rawNames);
            if (id < 0) {
                line.skipValue();
                continue;
            }
            long bit = 1L << id;
            if ((seen & bit) != 0) {
                throw JsonCursor.Unsure.INSTANCE; // a repeated field: Jackson's reading (the last one wins)
            }
            seen |= bit;
            if (id == VERSION_ID) {
                if (line.readLong() != RawRecord.VERSION) {
                    throw JsonCursor.Unsure.INSTANCE;
                }
            } else if (id == RESPONSE_JSON && line.peek() == '"') {
                bodyLength = line.readStringCopy();
                values[id] = new String(line.copied(), 0, bodyLength, StandardCharsets.UTF_8);
            } else {
                read(line, id, values);
            }
        }
        if ((seen & (1L << VERSION_ID)) == 0) {
            throw JsonCursor.Unsure.INSTANCE;
        }
    }

    /** Fills the response columns from the body read by {@link #readLine}, or gives up as it does. */
    private void readBody(Object[] values) throws JsonCursor.Unsure {
        body.reset(line.copied(), 0, bodyLength);
        body.openObject();
        long seen = 0;
        while (body.nextField()) {
            int id = body.field(responseNames);
            if (id < 0) {
                body.skipValue();
                continue;
            }
            long bit = 1L << id;
            if ((seen & bit) != 0) {
                throw JsonCursor.Unsure.INSTANCE;
            }
            seen |= bit;
            read(body, id, values);
        }
    }

    /** Reads the value of column {@code i}: null, or of the column's type; anything else is Jackson's to word. */
    private void read(JsonCursor c, int i, Object[] values) throws JsonCursor.Unsure {
        if (c.peek() == 'n') {
            c.readNull();
            return;
        }
        switch (table.get(i).type()) {
            case STRING -> {
                c.readString();
                values[i] = i == OUTCOME && c.plainAscii() ? outcome(c) : c.string();
            }
            case INT32 -> {
                long v = c.readLong();
                if (v != (int) v) {
                    throw JsonCursor.Unsure.INSTANCE;
                }
                values[i] = (int) v;
            }
            case INT64 -> values[i] = c.readLong();
            case DOUBLE -> values[i] = c.readDouble();
            case BOOLEAN -> values[i] = c.readBoolean();
            case DATE -> {
                c.readString();
                LocalDate d = c.plainAscii() ? IsoTime.fastDate(c.buffer(), c.stringStart(), c.stringEnd()) : null;
                values[i] = d != null ? d : notNull(IsoTime.date(c.string()));
            }
            case TIMESTAMP -> {
                c.readString();
                Instant t = c.plainAscii() ? IsoTime.fastInstant(c.buffer(), c.stringStart(), c.stringEnd()) : null;
                values[i] = t != null ? t : notNull(IsoTime.instant(c.string()));
            }
        }
    }

    private static Object notNull(Object value) throws JsonCursor.Unsure {
        if (value == null) {
            throw JsonCursor.Unsure.INSTANCE;
        }
        return value;
    }

    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final byte[][] OUTCOME_NAMES = Arrays.stream(OUTCOMES)
            .map(o -> o.name().getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);

    /** The outcome's name as the enum's own String (the same text, no copy), else the text read. */
    private static String outcome(JsonCursor c) {
        for (int k = 0; k < OUTCOMES.length; k++) {
            byte[] name = OUTCOME_NAMES[k];
            if (Arrays.equals(c.buffer(), c.stringStart(), c.stringEnd(), name, 0, name.length)) {
                return OUTCOMES[k].name();
            }
        }
        return c.string();
    }

    /** The line read by Jackson: the reference reading, for whatever {@link JsonCursor} does not take. */
    Parsed parseWithJackson(byte[] buf, int off, int len, String sourceObject) {
        Object[] values = new Object[table.size()];

        String[] wrong = new String[table.size()];
        JsonToken version = null;
        int versionValue = 0;
        try (JsonParser p = json.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Bad("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("v")) {
                    version = t;
                    versionValue = t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
                            ? p.getIntValue()
                            : Integer.MIN_VALUE;
                    p.skipChildren();
                    continue;
                }
                Integer i = rawFields.get(name);
                if (i == null) {
                    p.skipChildren();
                } else {
                    readToken(p, t, i, values, wrong);
                }
            }
        } catch (JsonProcessingException e) {
            return new Bad("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new Bad("not valid JSON: " + e.getMessage());
        }
        if (version != JsonToken.VALUE_NUMBER_INT) {
            return new Bad("required field 'v' (raw-log version) is missing or not a whole number");
        }
        if (versionValue != RawRecord.VERSION) {
            return new Bad("unsupported raw-log version "
                    + (versionValue == Integer.MIN_VALUE ? "(out of range)" : versionValue));
        }
        bodyLength = -1;
        return complete(values, wrong, sourceObject, false);
    }

    /**
     * The checks after reading, the same for both readings: required fields, IDs, date, outcome, the body.
     * {@code wrong} (null: none) holds what a wrong-typed value was, for the error.
     */
    private Parsed complete(Object[] values, String[] wrong, String sourceObject, boolean fastBody) {
        for (int i = 0; i < values.length; i++) {
            OfferColumns.Column c = table.get(i);
            if (c.source() == OfferColumns.Source.RAW) {
                String problem = check(c, values[i], wrong == null ? null : wrong[i], "field");
                if (problem != null) {
                    return new Bad(problem);
                }
            } else if (c.source() == OfferColumns.Source.SOURCE_OBJECT) {
                values[i] = sourceObject;
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
        try {
            // A date outside the jobs' range would name a partition such as dt=+12024-01-01.
            Job.requireDate((LocalDate) values[TARGET_DATE]);
        } catch (InvalidJobException e) {
            return new Bad("field 'targetDate' cannot be a job's date: " + e.getMessage());
        }
        Outcome outcome;
        try {
            outcome = Outcome.valueOf((String) values[OUTCOME]);
        } catch (IllegalArgumentException e) {
            return new Bad("unknown outcome '" + abbreviate((String) values[OUTCOME]) + "'");
        }
        String reclassified = null;
        if (outcome == Outcome.OK) {
            boolean read = false;
            if (fastBody && bodyLength >= 0) {
                try {
                    readBody(values);
                    read = true;
                } catch (JsonCursor.Unsure e) {
                    for (int i = 0; i < values.length; i++) {
                        if (table.get(i).source() == OfferColumns.Source.RESPONSE) {
                            values[i] = null;
                        }
                    }
                }
            }
            if (!read) {
                jacksonReadings++;
                reclassified = readResponse(
                        (String) values[RESPONSE_JSON], values, wrong == null ? new String[values.length] : wrong);
            }
            if (reclassified != null) {
                for (int i = 0; i < values.length; i++) {
                    if (table.get(i).source() == OfferColumns.Source.RESPONSE) {
                        values[i] = null;
                    }
                }
                values[OUTCOME] = Outcome.GARBAGE.name();
                values[ERROR] = "transform: " + reclassified;
            }
        }
        return new Row(new OfferRow(values), reclassified);
    }

    long jacksonReadings() {
        return jacksonReadings;
    }

    /** Fills the response columns from an OK answer's body; returns why the body does not fit, or null. */
    private String readResponse(String body, Object[] values, String[] wrong) {
        if (body == null) {
            return "body is missing";
        }
        try (JsonParser p = json.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "body is not a JSON object";
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                Integer i = responseFields.get(p.currentName());
                JsonToken t = p.nextToken();
                if (i == null) {
                    p.skipChildren();
                } else {
                    readToken(p, t, i, values, wrong);
                }
            }
        } catch (JsonProcessingException e) {
            return "body is not JSON: " + e.getOriginalMessage();
        } catch (IOException e) {
            return "body is not JSON: " + e.getMessage();
        }
        for (int i = 0; i < values.length; i++) {
            OfferColumns.Column c = table.get(i);
            if (c.source() == OfferColumns.Source.RESPONSE) {
                String problem = check(c, values[i], wrong[i], "response field");
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    /** Reads the value at token {@code t} into column {@code i}, or notes what it was when of the wrong type. */
    private static void readToken(JsonParser p, JsonToken t, int i, Object[] values, String[] wrong)
            throws IOException {
        values[i] = null;
        wrong[i] = null;
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        Object v = OfferColumns.TABLE.get(i).type().fromToken(p, t);
        if (v != null) {
            values[i] = v;
            return;
        }
        wrong[i] = switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING ->
                "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(abbreviate(p.getText()))) + "\"";
            default -> abbreviate(p.getText());
        };
        p.skipChildren();
    }

    private static String check(OfferColumns.Column c, Object value, String wrong, String what) {
        if (wrong != null) {
            return what + " '" + c.field() + "' must be " + c.type() + ", got " + wrong;
        }
        if (value == null && c.required()) {
            return "required " + what + " '" + c.field() + "' is missing";
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s == null || s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
