package dev.offerrecorder.transform;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 dates and instants, read fast in the form the worker writes ({@code 2024-01-31},
 * {@code 2024-01-31T23:59:59.123456Z}), through java.time's parsers for every other form (offsets, leap
 * seconds): the formatter-based parse was a tenth of the transform's CPU time. Null means "not a valid value".
 */
final class IsoTime {
    private IsoTime() {}

    static LocalDate date(String s) {
        if (s.length() == 10 && s.charAt(4) == '-' && s.charAt(7) == '-') {
            int y = digits(s, 0, 4);
            int m = digits(s, 5, 7);
            int d = digits(s, 8, 10);
            if (y >= 0 && m >= 0 && d >= 0) {
                try {
                    return LocalDate.of(y, m, d);
                } catch (DateTimeException e) {
                    return null;
                }
            }
        }
        try {
            return LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Instant instant(String s) {
        int n = s.length();
        if (n >= 20 && s.charAt(10) == 'T' && s.charAt(13) == ':' && s.charAt(16) == ':' && s.charAt(n - 1) == 'Z') {
            LocalDate date = s.charAt(4) == '-' && s.charAt(7) == '-' ? date(s.substring(0, 10)) : null;
            int h = digits(s, 11, 13);
            int mi = digits(s, 14, 16);
            int sec = digits(s, 17, 19);
            int nanos = fraction(s, 19, n - 1);
            if (date != null && h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60 && nanos >= 0) {
                return Instant.ofEpochSecond(date.toEpochDay() * 86_400 + h * 3_600L + mi * 60L + sec, nanos);
            }
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The date in the ASCII bytes {@code b[from, to)} when it has the worker's form {@code YYYY-MM-DD}, else null
     * (then {@link #date(String)} decides: null here does not mean invalid).
     */
    static LocalDate fastDate(byte[] b, int from, int to) {
        if (to - from != 10 || b[from + 4] != '-' || b[from + 7] != '-') {
            return null;
        }
        int y = digits(b, from, from + 4);
        int m = digits(b, from + 5, from + 7);
        int d = digits(b, from + 8, from + 10);
        if (y < 0 || m < 1 || m > 12 || d < 1 || (d > 28 && d > Month.of(m).length(Year.isLeap(y)))) {
            return null;
        }
        return LocalDate.of(y, m, d);
    }

    /**
     * The instant in the ASCII bytes {@code b[from, to)} when it has the worker's form
     * {@code YYYY-MM-DDTHH:MM:SS[.f]Z} else null (then {@link #instant(String)} decides).
     */
    static Instant fastInstant(byte[] b, int from, int to) {
        int n = to - from;
        if (n < 20 || b[from + 10] != 'T' || b[from + 13] != ':' || b[from + 16] != ':' || b[to - 1] != 'Z') {
            return null;
        }
        LocalDate date = fastDate(b, from, from + 10);
        int h = digits(b, from + 11, from + 13);
        int mi = digits(b, from + 14, from + 16);
        int sec = digits(b, from + 17, from + 19);
        int nanos = fraction(b, from + 19, to - 1);
        if (date == null || h < 0 || h >= 24 || mi < 0 || mi >= 60 || sec < 0 || sec >= 60 || nanos < 0) {
            return null;
        }
        return Instant.ofEpochSecond(date.toEpochDay() * 86_400 + h * 3_600L + mi * 60L + sec, nanos);
    }

    private static int digits(byte[] b, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int c = b[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int fraction(byte[] b, int from, int to) {
        if (from == to) {
            return 0;
        }
        int len = to - from - 1;
        if (b[from] != '.' || len < 1 || len > 9) {
            return -1;
        }
        int v = digits(b, from + 1, to);
        if (v < 0) {
            return -1;
        }
        for (int i = len; i < 9; i++) {
            v *= 10;
        }
        return v;
    }

    /** The non-negative number in {@code s[from, to)}, or -1 unless every char is an ASCII digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Nanoseconds of an optional ".f" (1-9 digits) in {@code s[from, to)}: 0 when empty, -1 when malformed. */
    private static int fraction(String s, int from, int to) {
        if (from == to) {
            return 0;
        }
        int len = to - from - 1;
        if (s.charAt(from) != '.' || len < 1 || len > 9) {
            return -1;
        }
        int v = digits(s, from + 1, to);
        if (v < 0) {
            return -1;
        }
        for (int i = len; i < 9; i++) {
            v *= 10;
        }
        return v;
    }
}
