package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast paths must agree with java.time on every input, valid or not. */
class IsoTimeTest {
    private static Instant javaInstant(String s) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDate javaDate(String s) {
        try {
            return LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Test
    void instantsAgreeWithInstantParse() {
        List<String> cases = List.of(
                "2024-01-31T23:59:59Z",
                "2024-01-31T23:59:59.1Z",
                "2024-01-31T23:59:59.123456Z",
                "2024-01-31T23:59:59.123456789Z",
                "2024-01-31T23:59:59.1234567890Z",
                "2024-02-30T00:00:00Z",
                "2024-02-29T00:00:00Z",
                "2023-02-29T00:00:00Z",
                "2024-01-31T24:00:00Z",
                "2024-01-31T23:60:00Z",
                "2024-01-31T23:59:60Z",
                "2024-01-31T12:00:00+09:00",
                "2024-01-31 12:00:00Z",
                "2024-1-31T12:00:00Z",
                "2024-01-31T12:00:00.Z",
                "2024-01-31T12:00:00.12a4Z",
                "2024-01-31T12:00Z",
                "0000-01-01T00:00:00Z",
                "+12024-01-31T12:00:00Z",
                "2024-01-31T12:00:00z",
                "yesterday",
                "");
        for (String s : cases) {
            assertEquals(javaInstant(s), IsoTime.instant(s), s);
            assertBytesAgree(s);
        }
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    random.nextLong(-5_000_000_000L, 5_000_000_000L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
            assertEquals(t, IsoTime.instant(t.toString()), t.toString());
            byte[] b = bytes(t.toString());
            assertEquals(t, IsoTime.fastInstant(b, 0, b.length), "the worker's form is read from bytes: " + t);
        }
    }

    @Test
    void datesAgreeWithLocalDateParse() {
        for (String s : List.of(
                "2024-01-31",
                "2024-02-30",
                "2024-13-01",
                "2024-00-10",
                "2024-1-31",
                "20240131",
                "+12024-01-31",
                "2024-01-3x",
                "")) {
            assertEquals(javaDate(s), IsoTime.date(s), s);
            assertBytesAgree(s);
        }
        for (LocalDate d = LocalDate.of(2023, 1, 1); d.getYear() < 2025; d = d.plusDays(1)) {
            assertEquals(d, IsoTime.fastDate(bytes(d.toString()), 0, 10), d.toString());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The byte readers (the parser's fast path) give java.time's answer, or null to leave it to the String one. */
    private static void assertBytesAgree(String s) {
        byte[] b = bytes("x" + s + "y");
        LocalDate date = IsoTime.fastDate(b, 1, b.length - 1);
        if (date != null) {
            assertEquals(javaDate(s), date, s);
        }
        Instant instant = IsoTime.fastInstant(b, 1, b.length - 1);
        if (instant != null) {
            assertEquals(javaInstant(s), instant, s);
        }
    }
}
