package dev.offerrecorder.operator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
    private final DurationConverter converter = new DurationConverter();

    @Test
    void readsWhatPeopleType() {
        assertEquals(Duration.ofMillis(200), converter.convert("200ms"));
        assertEquals(Duration.ofSeconds(90), converter.convert("90s"));
        assertEquals(Duration.ofSeconds(90), converter.convert("90"), "a bare number is seconds");
        assertEquals(Duration.ofMinutes(5), converter.convert("5m"));
        assertEquals(Duration.ofHours(6), converter.convert("6h"));
        assertEquals(Duration.ofDays(1), converter.convert("1d"));
        assertEquals(Duration.ofMinutes(5), converter.convert("PT5M"));
        assertThrows(TypeConversionException.class, () -> converter.convert("soon"));
    }

    @Test
    void printsDurationsShortly() {
        assertEquals("59s", DurationConverter.human(59));
        assertEquals("1m05s", DurationConverter.human(65));
        assertEquals("1h02m", DurationConverter.human(3725));
        assertEquals("2d03h", DurationConverter.human(2 * 86_400 + 3 * 3600 + 59));
    }
}
