package dev.offerrecorder.shared.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvZoneTest {
    @Test
    void readsRegionIdsOffsetsAndTheDefault() {
        assertEquals(ZoneId.of("Asia/Tokyo"), new Env(Map.of("TIME_ZONE", " Asia/Tokyo ")).zone("TIME_ZONE", "UTC"));
        assertEquals(ZoneOffset.ofHours(9), new Env(Map.of("TIME_ZONE", "+09:00")).zone("TIME_ZONE", "UTC"));
        assertEquals(ZoneId.of("UTC"), new Env(Map.of()).zone("TIME_ZONE", "UTC"));
    }

    @Test
    void aBadZoneNamesTheVariableAndTheValue() {
        for (String bad : new String[] {"Asia/Atlantis", "+25:00", "JST", "Tokyo"}) {
            var e = assertThrows(
                    ConfigException.class, () -> new Env(Map.of("TIME_ZONE", bad)).zone("TIME_ZONE", "UTC"), bad);
            assertEquals("TIME_ZONE", e.variable());
            assertTrue(
                    e.getMessage().contains("is not a time-zone ID")
                            && e.getMessage().contains("'" + bad + "'"),
                    e.getMessage());
        }
    }
}
