package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RawLineParser} reads lines through {@link JsonCursor} and leaves whatever the cursor is unsure of to
 * Jackson. These tests hold the cursor's reading to Jackson's, line by line: the same row (every value, same
 * type), the same quarantine reason, the same GARBAGE reclassification. And they check that the lines the worker
 * writes really take the fast path, which is the point of it.
 */
class RawLineFastPathTest {
    private static final String SOURCE = "s3://raw/dt=2024-01-01/x.jsonl.gz";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Both readings of {@code line} agree; returns the result. */
    private static RawLineParser.Parsed agree(byte[] line) {
        RawLineParser.Parsed fast = new RawLineParser().parse(line, 0, line.length, SOURCE);
        RawLineParser.Parsed jackson = new RawLineParser().parseWithJackson(line, 0, line.length, SOURCE);
        assertEquals(
                jackson,
                fast,
                () -> "line: " + new String(line, StandardCharsets.UTF_8) + " / hex "
                        + HexFormat.of().formatHex(line));
        return fast;
    }

    private static RawLineParser.Parsed agree(String line) {
        return agree(utf8(line));
    }

    /** A line as the worker writes it, through the worker's own codec. */
    private static String workerLine(int i, Outcome outcome, String body, String error) {
        String shop = "shop-" + i;
        return new RawLogCodec()
                .line(new RawRecord(
                        RawRecord.VERSION,
                        "run-7",
                        shop,
                        LocalDate.of(2024, 1, 1 + i % 28),
                        "https://api.example.com/v1/shops/" + shop + "/offer?date=2024-01-01",
                        outcome == Outcome.NOT_FOUND ? 404 : 200,
                        outcome,
                        40 + i % 50,
                        1 + i % 3,
                        body,
                        Instant.parse("2024-01-02T00:00:00.123456Z").plusMillis(i * 7919L),
                        "message-" + i,
                        error));
    }

    @Test
    void workerLinesTakeTheFastPathAndReadAsJacksonReadsThem() {
        RawLineParser parser = new RawLineParser();
        for (int i = 0; i < 2_000; i++) {
            String body = CalcApiSimulator.body("shop-" + i, "2024-01-" + String.format("%02d", 1 + i % 28));
            for (String line : List.of(
                    workerLine(i, Outcome.OK, body, null),
                    workerLine(i, Outcome.NOT_FOUND, "{\"error\":\"unknown shop\"}", null),
                    workerLine(i, Outcome.GARBAGE, "<html>oops</html>", "body is not JSON: <"),
                    workerLine(i, Outcome.CLIENT_ERROR, null, "HTTP 400"))) {
                byte[] b = utf8(line);
                var parsed = assertInstanceOf(RawLineParser.Row.class, parser.parse(b, 0, b.length, SOURCE), line);
                assertEquals(new RawLineParser().parseWithJackson(b, 0, b.length, SOURCE), parsed, line);
            }
        }
        assertEquals(0, parser.jacksonReadings(), "every worker line read without Jackson");
    }

    static final String BODY = "{\\\"offer_amount\\\":12000,\\\"currency\\\":\\\"JPY\\\",\\\"eligible\\\":true,"
            + "\\\"anomaly_score\\\":0.25,\\\"model_version\\\":\\\"m-7\\\","
            + "\\\"calculated_at\\\":\\\"2024-01-01T12:00:00Z\\\",\\\"unmapped\\\":[1,{\\\"a\\\":[]}]}";

    private static String line(String replaceFrom, String replaceTo) {
        return RawLineParserTest.line("OK", BODY).replace(replaceFrom, replaceTo);
    }

    private static String body(String from, String to) {
        return RawLineParserTest.line("OK", BODY.replace(from, to));
    }

    @Test
    void oddButValidJsonReadsTheSame() {
        List<String> lines = List.of(
                RawLineParserTest.line("OK", BODY),
                // whitespace everywhere JSON allows it
                RawLineParserTest.line("OK", BODY)
                        .replace(",", " ,\t")
                        .replace(":", "\r: ")
                        .replace("{", "{ "),
                // escapes and unicode in strings, as escapes and as raw UTF-8
                line("\"runId\":\"run-1\"", "\"runId\":\"run\\u002d1\""),
                line("\"messageId\":\"m\"", "\"messageId\":\"tab\\there \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r é 中 😀\""),
                line("http://api/", "http://api/\\u00e9/\\u4e2d/é/中/😀/"),
                line("http://api/", "http://api/\\ud83d\\ude00/"), // an escaped pair: Jackson's to read
                body("JPY", "J\\\\u00e9Y"),
                body("JPY", "é中😀"),
                body("m-7", "\\\\\\\"quoted\\\\\\\" \\\\\\\\ back"),
                body("m-7", "\\\\ud800 lone"),
                // nested and unmapped values, in the line and in the body
                line("\"messageId\":\"m\"", "\"messageId\":{\"a\":[1,2,{\"b\":null}],\"c\":true}"),
                line("\"messageId\":\"m\"", "\"extra\":[[[[[]]]]],\"messageId\":\"m\""),
                body("[1,{", "[1.5e3,-0,true,false,null,\\\"s\\\",{"),
                // numbers: zero, negatives, exponents, many digits, beyond long, beyond double
                body("0.25", "0"),
                body("0.25", "-0"),
                body("0.25", "-0.0"),
                body("0.25", "1e2"),
                body("0.25", "1E-2"),
                body("0.25", "2.5e+3"),
                body("0.25", "0.1234567890123456789"),
                body("0.25", "123456789012345678901234567890"),
                body("0.25", "1e400"),
                body("0.25", "4.9e-324"),
                body("0.25", "9007199254740993"),
                body("0.25", "0.30000000000000004"),
                body("12000", "9223372036854775807"),
                body("12000", "-9223372036854775808"),
                body("12000", "9223372036854775808"),
                body("12000", "123456789012345678901234567890"),
                body("12000", "-0"),
                line("\"latencyMs\":15", "\"latencyMs\":123456789012"),
                line("\"attempts\":2", "\"attempts\":2147483647"),
                line("\"attempts\":2", "\"attempts\":2147483648"),
                line("\"attempts\":2", "\"attempts\":-2147483648"),
                // dates and times in other forms
                line("2024-01-02T00:00:00.123456Z", "2024-01-02T09:00:00.123456+09:00"),
                line("2024-01-02T00:00:00.123456Z", "2024-02-29T23:59:59Z"),
                line("2024-01-02T00:00:00.123456Z", "2023-02-29T23:59:59Z"),
                line("\"targetDate\":\"2024-01-01\"", "\"targetDate\":\"2024-01-31\""),
                line("\"targetDate\":\"2024-01-01\"", "\"targetDate\":\"2023-02-29\""),
                body("2024-01-01T12:00:00Z", "2024-01-01T12:00:00.5Z"),
                // nulls and absences
                line("\"requestUrl\":\"http://api/v1/shops/42/offer?date=2024-01-01\"", "\"requestUrl\":null"),
                body("\\\"currency\\\":\\\"JPY\\\"", "\\\"currency\\\":null"),
                body("\\\"currency\\\":\\\"JPY\\\",", ""),
                RawLineParserTest.line("OK", "{}"),
                RawLineParserTest.line("OK", " { } "),
                RawLineParserTest.line("OK", null),
                line("\"responseBody\":", "\"responseBody\":null,\"x\":"),
                // repeated fields: Jackson's last-wins
                line("\"shopId\":\"42\"", "\"shopId\":\"41\",\"shopId\":\"42\""),
                line("\"v\":1", "\"v\":1,\"v\":1"),
                body("\\\"currency\\\":\\\"JPY\\\"", "\\\"currency\\\":\\\"USD\\\",\\\"currency\\\":\\\"JPY\\\""),
                // what follows the object is not read, by either reading
                RawLineParserTest.line("OK", BODY) + " trailing",
                RawLineParserTest.line("OK", BODY + " trailing"),
                // an escaped field name
                line("\"shopId\"", "\"\\u0073hopId\""));
        RawLineParser parser = new RawLineParser();
        for (String l : lines) {
            agree(l);
            byte[] b = utf8(l);
            parser.parse(b, 0, b.length, SOURCE);
        }
        assertTrue(
                parser.jacksonReadings() < lines.size() / 2,
                "most of these take the fast path: " + parser.jacksonReadings() + " of " + lines.size());
    }

    @Test
    void wrongValuesAndBrokenJsonGetJacksonsVerdict() {
        List<String> lines = List.of(
                "{not json",
                "[1,2]",
                "\"a string\"",
                "123",
                "nul",
                "{",
                "{}",
                "{\"v\":1}",
                line("\"v\":1", "\"v\":1.0"),
                line("\"v\":1", "\"v\":\"1\""),
                line("\"v\":1", "\"v\":2"),
                line("\"v\":1", "\"v\":99999999999"),
                line("\"v\":1,", ""),
                line("\"shopId\":\"42\"", "\"shopId\":42"),
                line("\"shopId\":\"42\"", "\"shopId\":\"../x\""),
                line("\"shopId\":\"42\",", ""),
                line("\"httpStatus\":200", "\"httpStatus\":2.5"),
                line("\"latencyMs\":15", "\"latencyMs\":\"15\""),
                line("\"latencyMs\":15", "\"latencyMs\":12345678901234567890"),
                line("\"latencyMs\":15", "\"latencyMs\":015"),
                line("\"latencyMs\":15", "\"latencyMs\":1."),
                line("\"latencyMs\":15", "\"latencyMs\":-"),
                line("\"latencyMs\":15", "\"latencyMs\":+15"),
                line("\"latencyMs\":15", "\"latencyMs\":NaN"),
                line("\"outcome\":\"OK\"", "\"outcome\":\"MAYBE\""),
                line("\"outcome\":\"OK\"", "\"outcome\":\"O\\u004b\""),
                line("\"targetDate\":\"2024-01-01\"", "\"targetDate\":\"2024-13-01\""),
                line("\"targetDate\":\"2024-01-01\"", "\"targetDate\":\"+12024-01-01\""),
                line("\"targetDate\":\"2024-01-01\"", "\"targetDate\":\"1999-12-31\""),
                line("2024-01-02T00:00:00.123456Z", "2024-01-02T24:00:00Z"),
                line("\"attempts\":2", "\"attempts\":[2]"),
                line("\"attempts\":2", "\"attempts\":{\"n\":2}"),
                line("\"attempts\":2", "\"attempts\":true"),
                line("\"attempts\":2,", "\"attempts\":2,,"),
                line("\"attempts\":2", "\"attempts\" 2"),
                line("\"attempts\":2", "\"attempts\":2 3"),
                line("\"messageId\":\"m\"}", "\"messageId\":\"m\",}"),
                line("\"messageId\":\"m\"", "\"messageId\":\"bad \\x escape\""),
                line("\"messageId\":\"m\"", "\"messageId\":\"bad \\u12 escape\""),
                line("\"messageId\":\"m\"", "\"messageId\":\"raw \t tab\""),
                line("\"messageId\":\"m\"", "\"messageId\":'single'"),
                line("\"messageId\":\"m\"", "\"messageId\":tru"),
                line("\"messageId\":\"m\"", "\"messageId\":nullx"),
                line("\"messageId\":\"m\"", "\"messageId\":[1,]"),
                line("\"messageId\":\"m\"", "\"messageId\":{\"a\"}"),
                line("\"messageId\":\"m\"}", "\"messageId\":\"unterminated}"),
                // OK answers that do not fit: GARBAGE rows, worded by Jackson
                RawLineParserTest.line("OK", "<html>"),
                RawLineParserTest.line("OK", "[]"),
                RawLineParserTest.line("OK", "\\\"just a string\\\""),
                RawLineParserTest.line("OK", "{\\\"offer_amount\\\":1"),
                body("12000", "12000.5"),
                body("12000", "\\\"12,000\\\""),
                body("12000", "99999999999999999999"),
                body("true", "\\\"yes\\\""),
                body("true", "1"),
                body("0.25", "\\\"0.25\\\""),
                body("2024-01-01T12:00:00Z", "yesterday"),
                body("JPY", "tab\\\\\\tinside"),
                body("JPY", "raw\\ttab"),
                body("[1,{", "[1,,{"));
        for (String l : lines) {
            agree(l);
        }
        // Bytes no Java String can hold: invalid, overlong and surrogate UTF-8.
        for (String hex : List.of("ff", "c0af", "c3", "e282", "eda080", "f4908080", "f880808080", "80")) {
            byte[] bad = HexFormat.of().parseHex(hex);
            for (String at : List.of("\"messageId\":\"m", "\"shopId\":\"4", "JPY")) {
                String l = RawLineParserTest.line("OK", BODY);
                int i = l.indexOf(at) + at.length();
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes(utf8(l.substring(0, i)));
                b.writeBytes(bad);
                b.writeBytes(utf8(l.substring(i)));
                agree(b.toByteArray());
            }
        }
    }

    /** Random damage to good lines: whatever it makes, both readings agree on it. */
    @Test
    void damagedLinesReadTheSame() {
        Random random = new Random(17);
        String[] inserts = {
            "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "0", "-", ".", "e", "n", "t", "\\u00e9", "é", "\\\"", "x",
            "\t"
        };
        List<String> seeds = new ArrayList<>();
        seeds.add(RawLineParserTest.line("OK", BODY));
        seeds.add(workerLine(3, Outcome.OK, CalcApiSimulator.body("shop-3", "2024-01-04"), null));
        seeds.add(workerLine(5, Outcome.NOT_FOUND, "{\"error\":\"unknown shop\"}", null));
        int rows = 0;
        for (int n = 0; n < 30_000; n++) {
            StringBuilder l = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(l.length());
                switch (random.nextInt(3)) {
                    case 0 -> l.deleteCharAt(at);
                    case 1 -> l.insert(at, inserts[random.nextInt(inserts.length)]);
                    default -> l.setCharAt(at, inserts[random.nextInt(inserts.length)].charAt(0));
                }
            }
            if (agree(l.toString()) instanceof RawLineParser.Row) {
                rows++;
            }
        }
        assertTrue(rows > 1_000, "the damage leaves enough rows to compare values too: " + rows);
    }
}
