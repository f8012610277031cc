package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RawLineParserTest {
    static final String BODY = "{\\\"offer_amount\\\":12000,\\\"currency\\\":\\\"JPY\\\",\\\"eligible\\\":true,"
            + "\\\"anomaly_score\\\":0.25,\\\"model_version\\\":\\\"m-7\\\","
            + "\\\"calculated_at\\\":\\\"2024-01-01T12:00:00+09:00\\\",\\\"unmapped\\\":[1,2]}";

    static String line(String outcome, String body) {
        return "{\"v\":1,\"runId\":\"run-1\",\"shopId\":\"42\",\"targetDate\":\"2024-01-01\","
                + "\"requestUrl\":\"http://api/v1/shops/42/offer?date=2024-01-01\",\"httpStatus\":200,"
                + "\"outcome\":\"" + outcome + "\",\"latencyMs\":15,\"attempts\":2,"
                + (body == null ? "" : "\"responseBody\":\"" + body + "\",")
                + "\"recordedAt\":\"2024-01-02T00:00:00.123456Z\",\"messageId\":\"m\"}";
    }

    private final RawLineParser parser = new RawLineParser();

    private OfferRow row(String line) {
        var parsed = parser.parse(line, "s3://raw/x");
        return assertInstanceOf(RawLineParser.Row.class, parsed, () -> parsed.toString())
                .row();
    }

    private String bad(String line) {
        var parsed = parser.parse(line, "s3://raw/x");
        return assertInstanceOf(RawLineParser.Bad.class, parsed, () -> parsed.toString())
                .reason();
    }

    @Test
    void anOkLineFillsEveryColumnWithItsType() {
        OfferRow r = row(line("OK", BODY));
        assertEquals("42", r.shopId());
        assertEquals(LocalDate.of(2024, 1, 1), r.targetDate());
        assertEquals(12000L, r.get("offer_amount"));
        assertEquals("JPY", r.get("currency"));
        assertEquals(true, r.get("eligible"));
        assertEquals(0.25, r.get("anomaly_score"));
        assertEquals("m-7", r.get("model_version"));
        assertEquals(Instant.parse("2024-01-01T03:00:00Z"), r.get("calculated_at"), "offset converted to UTC");
        assertEquals(200, r.get("http_status"));
        assertEquals("OK", r.get("outcome"));
        assertEquals(15L, r.get("latency_ms"));
        assertEquals(2, r.get("attempts"));
        assertEquals("run-1", r.get("run_id"));
        assertEquals(Instant.parse("2024-01-02T00:00:00.123456Z"), r.recordedAt());
        assertTrue(((String) r.get("response_json")).contains("\"unmapped\":[1,2]"), "body kept verbatim");
        assertEquals("s3://raw/x", r.get("source_object"));
    }

    @Test
    void otherOutcomesKeepTheBodyButFillNoResponseColumns() {
        OfferRow r = row(line("NOT_FOUND", "not found"));
        for (OfferColumns.Column c : OfferColumns.RESPONSE_COLUMNS) {
            assertNull(r.get(c.name()), c.name());
        }
        assertEquals("not found", r.get("response_json"));
        assertNull(row(line("GARBAGE", null)).get("response_json"));
    }

    @Test
    void missingResponseFieldsAreNullNotErrors() {
        OfferRow r = row(line("OK", "{\\\"offer_amount\\\":5}"));
        assertEquals(5L, r.get("offer_amount"));
        assertNull(r.get("currency"));
    }

    @Test
    void badLinesSayWhy() {
        assertTrue(bad("{not json").startsWith("not valid JSON"));
        assertEquals("not a JSON object", bad("[1,2]"));
        assertTrue(bad(line("OK", BODY).replace("\"v\":1", "\"v\":2")).contains("unsupported raw-log version 2"));
        assertEquals("required field 'shopId' is missing", bad(line("OK", BODY).replace("\"shopId\":\"42\",", "")));
        assertTrue(bad(line("OK", BODY).replace("\"shopId\":\"42\"", "\"shopId\":42"))
                .startsWith("field 'shopId' must be STRING"));
        assertTrue(bad(line("OK", BODY).replace("\"shopId\":\"42\"", "\"shopId\":\"../x\""))
                .startsWith("field 'shopId' is not a valid ID: ../x"));
        assertTrue(bad(line("OK", BODY).replace("2024-01-01\",\"requestUrl", "2024-13-01\",\"requestUrl"))
                .startsWith("field 'targetDate' must be DATE"));
        assertTrue(
                bad(line("OK", BODY).replace("2024-01-01\",\"requestUrl", "+12024-01-01\",\"requestUrl"))
                        .startsWith("field 'targetDate' cannot be a job's date: date +12024-01-01 is outside"),
                "a date no job can have");
        assertTrue(bad(line("OK", BODY).replace("\"latencyMs\":15", "\"latencyMs\":\"15\""))
                .startsWith("field 'latencyMs' must be INT64"));
        assertTrue(bad(line("OK", BODY).replace("\"httpStatus\":200", "\"httpStatus\":2.5"))
                .startsWith("field 'httpStatus' must be INT32"));
        assertTrue(bad(line("MAYBE", BODY)).startsWith("unknown outcome 'MAYBE'"));
    }

    /** The line is a faithful record of a bad answer: a GARBAGE row with the reason, not a lost job. */
    @Test
    void anOkAnswerThatDoesNotFitTheTableIsRecordedAsGarbage() {
        var cases = Map.of(
                "<html>",
                "transform: body is not JSON",
                "[]",
                "transform: body is not a JSON object",
                BODY.replace("12000", "12000.5"),
                "transform: response field 'offer_amount' must be INT64, got 12000.5",
                BODY.replace("12000", "\\\"12,000\\\""),
                "transform: response field 'offer_amount' must be INT64, got \"12,000\"",
                BODY.replace("true", "\\\"yes\\\""),
                "transform: response field 'eligible' must be BOOLEAN",
                BODY.replace("2024-01-01T12:00:00+09:00", "yesterday"),
                "transform: response field 'calculated_at' must be TIMESTAMP");
        cases.forEach((body, error) -> {
            var parsed = parser.parse(line("OK", body), "s3://raw/x");
            var row = assertInstanceOf(RawLineParser.Row.class, parsed, body);
            assertEquals("GARBAGE", row.row().get("outcome"), body);
            assertTrue(
                    ((String) row.row().get("error")).startsWith(error),
                    row.row().get("error") + " for " + body);
            assertTrue(row.reclassified() != null);
            for (OfferColumns.Column c : OfferColumns.RESPONSE_COLUMNS) {
                assertNull(row.row().get(c.name()), c.name());
            }
            assertEquals(200, row.row().get("http_status"));
            assertTrue(((String) row.row().get("response_json")).length() > 1, "the body is kept");
        });
        assertNull(row(line("OK", BODY)).get("error"), "a fitting answer has no error");
    }

    @Test
    void theTableHasUniqueNamesAndEveryResponseColumn() {
        var names = new HashSet<String>();
        OfferColumns.TABLE.forEach(c -> assertTrue(names.add(c.name()), "duplicate column " + c.name()));
        assertTrue(OfferColumns.TABLE.containsAll(OfferColumns.RESPONSE_COLUMNS));
    }
}
