package dev.offerrecorder.shared.trace;

import com.newrelic.api.agent.ConcurrentHashMapHeaders;
import com.newrelic.api.agent.HeaderType;
import com.newrelic.api.agent.HttpParameters;
import com.newrelic.api.agent.NewRelic;
import com.newrelic.api.agent.OutboundHeaders;
import com.newrelic.api.agent.Token;
import com.newrelic.api.agent.Trace;
import com.newrelic.api.agent.TransportType;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@link Tracing} over the New Relic Java agent API: each method is a thin call-through. Without an agent the API's
 * own no-op implementation answers (empty headers, ignored segments), so tests and local runs need nothing.
 * Holds no per-call state: every call asks the agent for the transaction bound to the calling thread.
 *
 * <p>At run time the agent serves the API classes from its own copy, which may be older than the newrelic-api jar
 * compiled against (agent 8.19.0 has no {@code TransportType.Queue}: a direct reference fails with
 * {@code NoSuchFieldError}). So the transport type is looked up by name, and any error from the agent side is
 * swallowed: tracing must never cost a job.
 */
public final class NewRelicTracing implements Tracing {
    private final TransportType queue = transport("Queue");

    static TransportType transport(String name) {
        try {
            return TransportType.valueOf(name);
        } catch (IllegalArgumentException e) {
            return TransportType.Other;
        }
    }

    @Override
    public Map<String, String> insertHeaders() {
        return safely(
                () -> {
                    ConcurrentHashMapHeaders carrier = ConcurrentHashMapHeaders.build(HeaderType.MESSAGE);
                    NewRelic.getAgent().getTransaction().insertDistributedTraceHeaders(carrier);
                    return flatten(carrier);
                },
                Map.of());
    }

    @Override
    public void acceptQueueHeaders(Map<String, String> headers) {
        Map<String, String> picked = TraceHeaders.pick(headers);
        if (!picked.isEmpty()) {
            run(() -> NewRelic.getAgent()
                    .getTransaction()
                    .acceptDistributedTraceHeaders(
                            queue, ConcurrentHashMapHeaders.buildFromFlatMap(HeaderType.MESSAGE, picked)));
        }
    }

    @Override
    public Segment segment(String name) {
        com.newrelic.api.agent.Segment segment =
                safely(() -> NewRelic.getAgent().getTransaction().startSegment(name), null);
        return segment == null ? NO_SEGMENT : new NewRelicSegment(segment);
    }

    @Override
    public void addAttributes(Map<String, ?> attributes) {
        run(() -> NewRelic.addCustomParameters(values(attributes)));
    }

    @Override
    public void recordEvent(String type, Map<String, ?> attributes) {
        run(() -> NewRelic.getAgent().getInsights().recordCustomEvent(type, values(attributes)));
    }

    @Override
    public Handoff handoff() {
        return new TokenHandoff(
                safely(() -> NewRelic.getAgent().getTransaction().getToken(), null));
    }

    /**
     * A token per task. The agent ignores {@code link} on a thread where no traced method runs ("no started txa to
     * link to", seen with agent 8.19.0), so the link happens inside a {@code @Trace(async = true)} method, whose
     * tracer becomes the task's segment. linkAndExpire() frees the token at once, so the transaction does not wait
     * for token_timeout (180 s by default) before it can end.
     */
    private record TokenHandoff(Token token) implements Handoff {
        @Override
        @Trace(async = true)
        public <T> T call(String name, Callable<T> work) throws Exception {
            if (token != null) {
                run(() -> {
                    token.linkAndExpire();
                    NewRelic.getAgent().getTracedMethod().setMetricName("Custom", name);
                });
            }
            return work.call();
        }
    }

    /**
     * The agent's linking metadata for logs in context ({@code trace.id}, {@code span.id}, {@code entity.guid},
     * {@code entity.name}, ...), blank values left out: empty without the agent (the API's no-op answers nothing).
     */
    public static Map<String, String> linkingMetadata() {
        Map<String, String> metadata = safely(() -> NewRelic.getAgent().getLinkingMetadata(), Map.of());
        if (metadata == null || metadata.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (k != null && v != null && !v.isBlank()) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The API takes String, Number and Boolean values only; anything else goes as its string form. */
    private static Map<String, Object> values(Map<String, ?> attributes) {
        Map<String, Object> out = new HashMap<>();
        attributes.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v instanceof Number || v instanceof Boolean || v instanceof String ? v : v.toString());
            }
        });
        return out;
    }

    private static Map<String, String> flatten(ConcurrentHashMapHeaders carrier) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : carrier.getMapCopy().entrySet()) {
            if (!e.getValue().isEmpty()) {
                out.put(e.getKey(), e.getValue().getFirst());
            }
        }
        return out;
    }

    private static <T> T safely(Supplier<T> call, T fallback) {
        try {
            return call.get();
        } catch (RuntimeException | LinkageError e) {
            return fallback;
        }
    }

    private static void run(Runnable call) {
        safely(
                () -> {
                    call.run();
                    return null;
                },
                null);
    }

    private static final Segment NO_SEGMENT = new Segment() {
        @Override
        public Map<String, String> insertHeaders() {
            return Map.of();
        }

        @Override
        public void addAttribute(String name, Object value) {}

        @Override
        public void reportHttp(URI uri, String method, int status) {}

        @Override
        public void close() {}
    };

    private record NewRelicSegment(com.newrelic.api.agent.Segment segment) implements Segment {
        @Override
        public Map<String, String> insertHeaders() {
            Map<String, String> out = new LinkedHashMap<>();
            run(() -> segment.addOutboundRequestHeaders(new OutboundHeaders() {
                @Override
                public HeaderType getHeaderType() {
                    return HeaderType.HTTP;
                }

                @Override
                public void setHeader(String name, String value) {
                    out.put(name, value);
                }
            }));
            return out;
        }

        @Override
        public void addAttribute(String name, Object value) {
            run(() -> {
                switch (value) {
                    case null -> {}
                    case Number n -> segment.addCustomAttribute(name, n);
                    case Boolean b -> segment.addCustomAttribute(name, b.booleanValue());
                    default -> segment.addCustomAttribute(name, value.toString());
                }
            });
        }

        @Override
        public void reportHttp(URI uri, String method, int status) {
            run(() -> {
                var parameters = HttpParameters.library("JavaHttpClient")
                        .uri(uri)
                        .procedure(method)
                        .noInboundHeaders();
                // No status when no response came (timeout, I/O error).
                segment.reportAsExternal((status > 0 ? parameters.status(status, null) : parameters).build());
            });
        }

        @Override
        public void close() {
            run(segment::end);
        }
    }
}
