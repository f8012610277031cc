package dev.offerrecorder.shared.trace;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The one way the functions reach the tracing backend: insert and accept trace headers, name segments, add
 * attributes, record events, and hand the current transaction to another thread. {@link NewRelicTracing} calls
 * straight through to the New Relic API (a no-op without an agent); {@code RecordingTracing} (in the local
 * module's tests) keeps every call so tests can see them. Handlers build one instance in their constructor and pass it down.
 *
 * <p>The New Relic agent binds a transaction to the thread it started on (Lambda's handler thread). Work on any
 * other thread, virtual or not, belongs to no transaction unless it runs through {@link Handoff#call} of a handoff
 * taken on the transaction's thread; segments and headers from an unlinked thread are dropped.
 */
public interface Tracing {

    /**
     * Trace context for a message or request sent from the current point of the transaction (W3C
     * {@code traceparent}/{@code tracestate} and New Relic's {@code newrelic}); empty when nothing is traced.
     */
    Map<String, String> insertHeaders();

    /**
     * Makes the current transaction continue the trace a consumed queue message carries. A transaction takes one
     * parent: only the first accepted context counts, later ones are ignored by the agent.
     */
    void acceptQueueHeaders(Map<String, String> headers);

    /** Starts a named, timed segment of the current transaction; closing it ends it. */
    Segment segment(String name);

    /** Adds custom attributes (String, Number or Boolean values) to the current transaction. */
    void addAttributes(Map<String, ?> attributes);

    /** Records one custom event: a row that NRQL can chart ({@code FROM type SELECT ...}). */
    void recordEvent(String type, Map<String, ?> attributes);

    /** Captures the current transaction, on its thread, for work another thread will do. One per task. */
    Handoff handoff();

    /** A named span of work. Not thread-safe: used by the thread that started it. */
    interface Segment extends AutoCloseable {
        /** Trace context whose parent is this segment: for the request this segment times. */
        Map<String, String> insertHeaders();

        /** Adds a custom attribute (String, Number or Boolean value) to this segment's span. */
        void addAttribute(String name, Object value);

        /** Marks this segment as an outgoing HTTP call (New Relic's external services view); call once done. */
        void reportHttp(URI uri, String method, int status);

        @Override
        void close();
    }

    /** A transaction captured on its thread, for one piece of work on another thread. */
    interface Handoff {
        /**
         * Runs {@code work} on the calling thread as a segment named {@code name} of the captured transaction.
         * Use once: the handoff is spent afterwards.
         */
        <T> T call(String name, Callable<T> work) throws Exception;
    }
}
