package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
    private static Env env(String template, String tokenVariable) {
        Env env = new Env(Map.of("CALC_API_URL_TEMPLATE", template, "RAW_BUCKET", "raw"));
        return tokenVariable == null ? env : env.with(tokenVariable, "calc-api-token");
    }

    @Test
    void aTokenIsNeverSentOverPlainHttpToAnotherHost() {
        for (String variable : new String[] {"CALC_API_TOKEN_SECRET", "CALC_API_TOKEN_PARAMETER"}) {
            var e = assertThrows(
                    ConfigException.class,
                    () -> WorkerConfig.from(
                            env("http://api.example.com/v1/shops/{shopId}/offer?date={date}", variable)));
            assertEquals("CALC_API_URL_TEMPLATE", e.variable());
            assertTrue(e.getMessage().contains("must be https while a token is sent"), e.getMessage());
            assertTrue(e.getMessage().contains(variable), e.getMessage());
        }
        // Names that only look local are not loopback.
        assertThrows(
                ConfigException.class,
                () -> WorkerConfig.from(env("http://127.0.0.1.example.com/{shopId}/{date}", "CALC_API_TOKEN_SECRET")));
        assertThrows(
                ConfigException.class,
                () -> WorkerConfig.from(env("http://localhost.example.com/{shopId}/{date}", "CALC_API_TOKEN_SECRET")));
    }

    @Test
    void loopbackHostsHttpsAndTokenlessHttpStillStart() {
        for (String url : new String[] {
            "http://127.0.0.1:8080/v1/shops/{shopId}/offer?date={date}",
            "http://127.3.2.1/{shopId}/{date}",
            "http://localhost:9000/{shopId}/{date}",
            "http://[::1]:9000/{shopId}/{date}",
            "https://api.example.com/{shopId}/{date}"
        }) {
            assertDoesNotThrow(() -> WorkerConfig.from(env(url, "CALC_API_TOKEN_SECRET")), url);
        }
        assertDoesNotThrow(() -> WorkerConfig.from(env("http://api.example.com/{shopId}/{date}", null)));
    }

    @Test
    void eachContainerGetsItsShareOfTheApisCapacity() {
        Env base = env("https://api.example.com/{shopId}/{date}", null);
        assertTrue(WorkerConfig.from(base).apiShareRps().isEmpty(), "without API_CAPACITY_RPS no pacing");
        var config = WorkerConfig.from(base.with("API_CAPACITY_RPS", "40").with("WORKER_MAX_CONCURRENCY", "10"));
        assertEquals(4.0, config.apiShareRps().orElseThrow(), 1e-9);
        assertEquals(
                2.5,
                WorkerConfig.from(base.with("API_CAPACITY_RPS", "12.5").with("WORKER_MAX_CONCURRENCY", "5"))
                        .apiShareRps()
                        .orElseThrow(),
                1e-9);
    }

    @Test
    void capacityAndContainersComeTogetherOrNotAtAll() {
        Env base = env("https://api.example.com/{shopId}/{date}", null);
        var onlyCapacity =
                assertThrows(ConfigException.class, () -> WorkerConfig.from(base.with("API_CAPACITY_RPS", "40")));
        assertEquals("WORKER_MAX_CONCURRENCY", onlyCapacity.variable());
        assertTrue(onlyCapacity.getMessage().contains("API_CAPACITY_RPS"), onlyCapacity.getMessage());
        var onlyContainers =
                assertThrows(ConfigException.class, () -> WorkerConfig.from(base.with("WORKER_MAX_CONCURRENCY", "10")));
        assertEquals("API_CAPACITY_RPS", onlyContainers.variable());
        assertTrue(onlyContainers.getMessage().contains("WORKER_MAX_CONCURRENCY"), onlyContainers.getMessage());
        for (String bad : new String[] {"0", "-3", "fast", "NaN"}) {
            var e = assertThrows(
                    ConfigException.class,
                    () -> WorkerConfig.from(base.with("API_CAPACITY_RPS", bad).with("WORKER_MAX_CONCURRENCY", "10")),
                    bad);
            assertEquals("API_CAPACITY_RPS", e.variable());
        }
        var zero = assertThrows(
                ConfigException.class,
                () -> WorkerConfig.from(base.with("API_CAPACITY_RPS", "40").with("WORKER_MAX_CONCURRENCY", "0")));
        assertEquals("WORKER_MAX_CONCURRENCY", zero.variable());
    }
}
