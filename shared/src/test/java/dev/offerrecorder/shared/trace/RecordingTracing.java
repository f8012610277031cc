package dev.offerrecorder.shared.trace;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Tracing} that keeps every call, for tests: no New Relic can run there. It behaves like the agent where
 * the code depends on it:
 * <ul>
 *   <li>the transaction belongs to the first thread that uses this instance (Lambda's handler thread); another
 *       thread takes part only inside {@link Handoff#call}, and what an unlinked thread does is recorded as
 *       unbound and, like the agent, yields no headers;</li>
 *   <li>inserted headers are deterministic fakes in the real formats: {@code traceparent} with this trace's ID and
 *       the span that inserted them, {@code tracestate}, and a base64 {@code newrelic} payload;</li>
 *   <li>the first accepted context becomes the trace (its trace ID is used from then on); later ones are recorded
 *       but, as with the agent, change nothing.</li>
 * </ul>
 * Thread-safe; one instance per handler, like the real one.
 */
public final class RecordingTracing implements Tracing {
    /** The root span of the transaction: what {@link #insertHeaders()} names as parent. */
    public static final String ROOT_SPAN = "00000000000000f0";

    public record Accepted(Map<String, String> headers, boolean tookEffect, boolean bound) {}

    public record Inserted(String spanId, Map<String, String> headers, boolean bound) {}

    /** One segment: its span ID, name, attributes (in order set) and whether it ended. */
    public static final class SegmentRecord {
        private final String spanId;
        private final String name;
        private final boolean bound;
        private final Map<String, Object> attributes = new ConcurrentHashMap<>();
        private volatile URI httpUri;
        private volatile int httpStatus;
        private volatile boolean ended;

        SegmentRecord(String spanId, String name, boolean bound) {
            this.spanId = spanId;
            this.name = name;
            this.bound = bound;
        }

        public String spanId() {
            return spanId;
        }

        public String name() {
            return name;
        }

        public boolean bound() {
            return bound;
        }

        public Map<String, Object> attributes() {
            return Map.copyOf(attributes);
        }

        public URI httpUri() {
            return httpUri;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public boolean ended() {
            return ended;
        }
    }

    public record Event(String type, Map<String, Object> attributes) {}

    private volatile String traceId;
    private volatile Thread transactionThread;
    private final Set<Thread> linked = ConcurrentHashMap.newKeySet();
    private final AtomicLong spans = new AtomicLong();
    private final List<Accepted> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Inserted> inserted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<SegmentRecord> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final List<Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong handoffs = new AtomicLong();
    private final AtomicLong unboundCalls = new AtomicLong();

    /** @param traceId the 32-hex-digit trace this transaction starts when it accepts none */
    public RecordingTracing(String traceId) {
        if (!traceId.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("trace ID must be 32 lowercase hex digits: " + traceId);
        }
        this.traceId = traceId;
    }

    /** The trace this transaction belongs to: its own, or the first accepted one. */
    public String traceId() {
        return traceId;
    }

    @Override
    public Map<String, String> insertHeaders() {
        boolean bound = bound();
        Map<String, String> headers = bound ? headers(ROOT_SPAN) : Map.of();
        inserted.add(new Inserted(ROOT_SPAN, headers, bound));
        return headers;
    }

    @Override
    public synchronized void acceptQueueHeaders(Map<String, String> headers) {
        boolean bound = bound();
        Map<String, String> picked = TraceHeaders.pick(headers);
        boolean first = bound && !picked.isEmpty() && accepted.stream().noneMatch(Accepted::tookEffect);
        if (first) {
            TraceHeaders.traceId(picked).ifPresent(id -> traceId = id);
        }
        accepted.add(new Accepted(Map.copyOf(picked), first, bound));
    }

    @Override
    public Segment segment(String name) {
        boolean bound = bound();
        var record = new SegmentRecord(nextSpanId(), name, bound);
        segments.add(record);
        return new Segment() {
            @Override
            public Map<String, String> insertHeaders() {
                Map<String, String> headers = record.bound ? headers(record.spanId) : Map.of();
                inserted.add(new Inserted(record.spanId, headers, record.bound));
                return headers;
            }

            @Override
            public void addAttribute(String attribute, Object value) {
                if (value != null) {
                    record.attributes.put(attribute, value);
                }
            }

            @Override
            public void reportHttp(URI uri, String method, int status) {
                record.httpUri = uri;
                record.httpStatus = status;
            }

            @Override
            public void close() {
                record.ended = true;
            }
        };
    }

    @Override
    public void addAttributes(Map<String, ?> values) {
        if (bound()) {
            values.forEach((k, v) -> {
                if (v != null) {
                    attributes.put(k, v);
                }
            });
        }
    }

    @Override
    public void recordEvent(String type, Map<String, ?> values) {
        // Custom events do not need a transaction: the agent records them from any thread.
        Map<String, Object> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v != null) {
                copy.put(k, v);
            }
        });
        events.add(new Event(type, Map.copyOf(copy)));
    }

    @Override
    public Handoff handoff() {
        boolean bound = bound();
        handoffs.incrementAndGet();
        AtomicBoolean used = new AtomicBoolean();
        return new Handoff() {
            @Override
            public <T> T call(String name, Callable<T> work) throws Exception {
                // Like the agent's token: a handoff taken on a bound thread links once, for the duration of the
                // work, which becomes a segment; a spent or unbound one runs the work outside the transaction.
                Thread current = Thread.currentThread();
                if (!bound || used.getAndSet(true)) {
                    return work.call();
                }
                linked.add(current);
                Segment segment = segment(name);
                try {
                    return work.call();
                } finally {
                    segment.close();
                    linked.remove(current);
                }
            }
        };
    }

    private synchronized boolean bound() {
        Thread current = Thread.currentThread();
        if (transactionThread == null) {
            transactionThread = current;
        }
        boolean bound = current == transactionThread || linked.contains(current);
        if (!bound) {
            unboundCalls.incrementAndGet();
        }
        return bound;
    }

    private String nextSpanId() {
        return String.format("%016x", spans.incrementAndGet());
    }

    private Map<String, String> headers(String spanId) {
        String trace = traceId;
        Map<String, String> out = new LinkedHashMap<>();
        out.put("traceparent", "00-" + trace + "-" + spanId + "-01");
        out.put("tracestate", "rec@nr=0-0-rec-app-" + spanId);
        out.put(
                "newrelic",
                Base64.getEncoder()
                        .encodeToString(("{\"v\":[0,1],\"d\":{\"ty\":\"App\",\"tr\":\"" + trace + "\",\"id\":\""
                                        + spanId + "\"}}")
                                .getBytes(StandardCharsets.UTF_8)));
        return Map.copyOf(out);
    }

    public List<Accepted> accepted() {
        return List.copyOf(accepted);
    }

    public List<Inserted> inserted() {
        return List.copyOf(inserted);
    }

    public List<SegmentRecord> segments() {
        return List.copyOf(segments);
    }

    public List<SegmentRecord> segments(String name) {
        return segments.stream().filter(s -> s.name.equals(name)).toList();
    }

    public Map<String, Object> attributes() {
        return Map.copyOf(attributes);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public long handoffs() {
        return handoffs.get();
    }

    /** Calls made from a thread the transaction was not handed to: work the agent would have dropped. */
    public long unboundCalls() {
        return unboundCalls.get();
    }

    /** Every span this recording created, by ID: the parents inserted headers can name. */
    public Map<String, SegmentRecord> segmentsById() {
        Map<String, SegmentRecord> out = new LinkedHashMap<>();
        segments.forEach(s -> out.put(s.spanId, s));
        return out;
    }

    @Override
    public String toString() {
        return "RecordingTracing[trace=" + traceId + ", segments=" + segments.size() + ", accepted=" + accepted.size()
                + ", inserted=" + inserted.size() + ", events=" + events.size() + "]";
    }
}
