package dev.offerrecorder.shared.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.json.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * Structured log lines: one JSON object per line on stdout, which Lambda's JSON log format and CloudWatch
 * Logs Insights read as fields. Never pass secrets in; nothing here can tell a token from a shop ID.
 */
public final class JsonLog {
    private final ObjectMapper mapper = Json.newMapper();
    private final PrintStream out;
    private final String component;

    public JsonLog(String component, PrintStream out) {
        this.component = component;
        this.out = out;
    }

    public JsonLog(String component) {
        this(component, System.out);
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
        fields.forEach((k, v) -> node.set(k, mapper.valueToTree(v)));
        out.println(node);
    }
}
