package dev.offerrecorder.operator.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations as people type them: 90s (or 90), 5m, 2h, 1d, or ISO-8601 (PT5M). */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    public DurationConverter() {}

    @Override
    public Duration convert(String value) {
        Matcher m = SIMPLE.matcher(value.trim().toLowerCase(java.util.Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("'" + value + "' is not a duration like 90s, 5m, 2h or PT5M");
        }
    }

    /** 3725 s as "1h02m05s": for ETAs and ages. */
    static String human(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + String.format("%02ds", seconds % 60);
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h" + String.format("%02dm", seconds % 3600 / 60);
        }
        return seconds / 86_400 + "d" + String.format("%02dh", seconds % 86_400 / 3600);
    }
}
