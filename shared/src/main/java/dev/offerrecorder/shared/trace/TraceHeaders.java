package dev.offerrecorder.shared.trace;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The trace-context headers that travel as SQS message attributes and HTTP headers, and reading them. */
public final class TraceHeaders {
    /** W3C Trace Context plus New Relic's own header: what New Relic agents insert and accept. */
    public static final Set<String> NAMES = Set.of("traceparent", "tracestate", "newrelic");

    private static final Pattern TRACEPARENT = Pattern.compile("^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$");
    /** The trace ID inside New Relic's payload: {@code {"v":[0,1],"d":{...,"tr":"<id>",...}}}. */
    private static final Pattern NEWRELIC_TRACE_ID = Pattern.compile("\"tr\"\\s*:\\s*\"([0-9a-fA-F]{1,32})\"");

    private TraceHeaders() {}

    /** Only the trace-context entries of a message's attributes: nothing else may reach the API as a header. */
    public static Map<String, String> pick(Map<String, String> attributes) {
        Map<String, String> out = new LinkedHashMap<>();
        if (attributes != null) {
            attributes.forEach((name, value) -> {
                if (NAMES.contains(name) && value != null && !value.isBlank()) {
                    out.put(name, value);
                }
            });
        }
        return out;
    }

    /**
     * The trace ID a context belongs to: from {@code traceparent}, else from the {@code newrelic} payload
     * (base64 JSON, {@code d.tr}); empty when neither is readable.
     */
    public static Optional<String> traceId(Map<String, String> headers) {
        String traceparent = headers.get("traceparent");
        if (traceparent != null) {
            Matcher m = TRACEPARENT.matcher(traceparent.trim().toLowerCase(java.util.Locale.ROOT));
            if (m.matches() && !m.group(1).equals("0".repeat(32))) {
                return Optional.of(m.group(1));
            }
        }
        String newrelic = headers.get("newrelic");
        if (newrelic != null) {
            try {
                Matcher m = NEWRELIC_TRACE_ID.matcher(
                        new String(Base64.getDecoder().decode(newrelic.trim()), StandardCharsets.UTF_8));
                if (m.find()) {
                    return Optional.of(m.group(1).toLowerCase(java.util.Locale.ROOT));
                }
            } catch (IllegalArgumentException e) {
                // Not base64: no trace ID; nothing else depends on it.
            }
        }
        return Optional.empty();
    }
}
