package dev.offerrecorder.shared.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Logs in context: a line carries the agent's trace and entity keys, so New Relic links it to its trace. */
class JsonLogTest {
    private static JsonNode line(ByteArrayOutputStream bytes) throws Exception {
        return new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLineCarriesTheLinkingMetadataBesideItsFields() throws Exception {
        var bytes = new ByteArrayOutputStream();
        var log = new JsonLog(
                "worker",
                new PrintStream(bytes, true, StandardCharsets.UTF_8),
                () -> Map.of(
                        "trace.id", "4bf92f3577b34da6a3ce929d0e0e4736",
                        "span.id", "00f067aa0ba902b7",
                        "entity.guid", "MXxBUE18QVBQTElDQVRJT058MQ"));
        log.info("batch done", Map.of("jobs", 3));
        JsonNode node = line(bytes);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", node.path("trace.id").asText());
        assertEquals("00f067aa0ba902b7", node.path("span.id").asText());
        assertEquals("MXxBUE18QVBQTElDQVRJT058MQ", node.path("entity.guid").asText());
        assertEquals(3, node.path("jobs").asInt());
        assertEquals("batch done", node.path("message").asText());
    }

    @Test
    void withoutTheAgentThereIsNoLinkingMetadataAndNoEmptyKeys() throws Exception {
        assertEquals(Map.of(), NewRelicTracing.linkingMetadata(), "the API's no-op agent links nothing");
        var bytes = new ByteArrayOutputStream();
        new JsonLog("worker", new PrintStream(bytes, true, StandardCharsets.UTF_8), NewRelicTracing::linkingMetadata)
                .warn("w", Map.of());
        JsonNode node = line(bytes);
        assertFalse(node.has("trace.id"), node.toString());
        assertFalse(node.has("entity.guid"), node.toString());
    }
}
