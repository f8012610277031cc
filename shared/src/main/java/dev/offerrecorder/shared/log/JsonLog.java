package dev.offerrecorder.shared.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Structured log lines: one JSON object per line on stdout, which Lambda's JSON log format and CloudWatch
 * Logs Insights read as fields. Each line carries the New Relic agent's linking metadata ({@code trace.id},
 * {@code span.id}, {@code entity.guid}, ...) when the agent gives it, so New Relic links the line to its trace
 * and entity (logs in context). Never pass secrets in; nothing here can tell a token from a shop ID.
 */
public final class JsonLog {
    private final ObjectMapper mapper = Json.newMapper();
    private final PrintStream out;
    private final String component;
    private final Supplier<Map<String, String>> linking;

    public JsonLog(String component, PrintStream out, Supplier<Map<String, String>> linking) {
        this.component = component;
        this.out = out;
        this.linking = linking;
    }

    /** Without linking metadata (tests that read lines back). */
    public JsonLog(String component, PrintStream out) {
        this(component, out, Map::of);
    }

    /** To stdout, linked to New Relic's trace and entity when its agent runs. */
    public JsonLog(String component) {
        this(component, System.out, NewRelicTracing::linkingMetadata);
    }

    public void info(String message, Map<String, ?> fields) {
        write("INFO", message, fields);
    }

    public void warn(String message, Map<String, ?> fields) {
        write("WARN", message, fields);
    }

    public void error(String message, Map<String, ?> fields) {
        write("ERROR", message, fields);
    }

    private void write(String level, String message, Map<String, ?> fields) {
        ObjectNode node = mapper.createObjectNode();
        node.put("timestamp", Instant.now().toString());
        node.put("level", level);
        node.put("component", component);
        node.put("message", message);
        linking.get().forEach(node::put);
        fields.forEach((k, v) -> node.set(k, mapper.valueToTree(v)));
        out.println(node);
    }
}
