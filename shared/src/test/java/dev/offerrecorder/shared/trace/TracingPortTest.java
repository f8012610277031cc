package dev.offerrecorder.shared.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The port's pieces on their own: header reading, choosing a batch's parent, and both implementations. */
class TracingPortTest {
    static final String TRACE_A = "0af7651916cd43dd8448eb211c80319c";
    static final String TRACE_B = "4bf92f3577b34da6a3ce929d0e0e4736";

    static Map<String, String> w3c(String traceId, String spanId) {
        return Map.of("traceparent", "00-" + traceId + "-" + spanId + "-01", "tracestate", "1@nr=0-0-1-2-" + spanId);
    }

    @Test
    void onlyTraceContextIsPickedFromMessageAttributes() {
        Map<String, String> attributes = new HashMap<>(w3c(TRACE_A, "b7ad6b7169203331"));
        attributes.put("Authorization", "Bearer secret");
        attributes.put("newrelic", "");
        attributes.put("x-other", "1");
        assertEquals(w3c(TRACE_A, "b7ad6b7169203331"), TraceHeaders.pick(attributes));
        assertEquals(Map.of(), TraceHeaders.pick(null));
    }

    @Test
    void theTraceIdIsReadFromTraceparentOrFromTheNewRelicPayload() {
        assertEquals(Optional.of(TRACE_A), TraceHeaders.traceId(w3c(TRACE_A, "b7ad6b7169203331")));
        String payload = Base64.getEncoder()
                .encodeToString(("{\"v\":[0,1],\"d\":{\"ty\":\"App\",\"ac\":\"1\",\"tr\":\"" + TRACE_B
                                + "\",\"id\":\"5f474d64b9cc9b2a\"}}")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(TRACE_B), TraceHeaders.traceId(Map.of("newrelic", payload)));
        assertEquals(Optional.empty(), TraceHeaders.traceId(Map.of("traceparent", "garbage", "newrelic", "%%%")));
        assertEquals(
                Optional.empty(),
                TraceHeaders.traceId(Map.of("traceparent", "00-00000000000000000000000000000000-b7ad6b7169203331-01")),
                "the all-zero trace ID is invalid");
    }

    @Test
    void aMixedBatchTakesTheFirstCarrierAsParentAndKeepsTheOtherTraces() {
        List<Map<String, String>> batch = new ArrayList<>();
        batch.add(Map.of()); // a message without context does not become the parent
        batch.add(w3c(TRACE_A, "00000000000000a1"));
        batch.add(w3c(TRACE_B, "00000000000000b1"));
        batch.add(w3c(TRACE_A, "00000000000000a2"));
        batch.add(w3c(TRACE_B, "00000000000000b2"));
        BatchParent parent = BatchParent.choose(batch);
        assertEquals(w3c(TRACE_A, "00000000000000a1"), parent.parent());
        assertEquals(TRACE_A, parent.parentTraceId());
        assertEquals(4, parent.carriers());
        assertEquals(List.of(TRACE_B), parent.otherTraceIds());
        assertEquals(TRACE_B, parent.attributes().get("trace.otherTraceIds"));

        List<Map<String, String>> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(w3c(String.format("%032x", i + 1), "00000000000000a1"));
        }
        BatchParent wide = BatchParent.choose(many);
        assertEquals(BatchParent.MAX_LINKS, wide.otherTraceIds().size());
        assertEquals(19, wide.otherTraces());
        assertTrue(((String) wide.attributes().get("trace.otherTraceIds")).length() <= 255);

        assertTrue(
                BatchParent.choose(List.of(Map.of(), Map.of("x", "y"))).parent().isEmpty());
    }

    @Test
    void theRecordingFollowsTheAgentsThreadRules() throws Exception {
        var tracing = new RecordingTracing(TRACE_B);
        tracing.acceptQueueHeaders(w3c(TRACE_A, "b7ad6b7169203331")); // binds this thread, as the handler's
        tracing.acceptQueueHeaders(w3c(TRACE_B, "00000000000000b1"));
        assertEquals(TRACE_A, tracing.traceId(), "the first accepted context wins");
        assertEquals(
                List.of(true, false),
                tracing.accepted().stream()
                        .map(RecordingTracing.Accepted::tookEffect)
                        .toList());

        AtomicReference<Map<String, String>> unlinked = new AtomicReference<>();
        Thread.ofVirtual()
                .start(() -> {
                    try (Tracing.Segment s = tracing.segment("CalcApi/call")) {
                        unlinked.set(s.insertHeaders());
                    }
                })
                .join();
        assertEquals(Map.of(), unlinked.get(), "a thread never handed the transaction gets no context");
        assertEquals(1, tracing.unboundCalls());

        Tracing.Handoff handoff = tracing.handoff();
        AtomicReference<Map<String, String>> linked = new AtomicReference<>();
        Thread.ofVirtual()
                .start(() -> {
                    try {
                        handoff.call("Worker/job", () -> {
                            try (Tracing.Segment s = tracing.segment("CalcApi/call")) {
                                linked.set(s.insertHeaders());
                            }
                            return null;
                        });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    tracing.segment("after").close(); // same thread, handoff done: no longer part of the transaction
                })
                .join();
        String traceparent = linked.get().get("traceparent");
        assertTrue(traceparent.startsWith("00-" + TRACE_A + "-"), traceparent);
        RecordingTracing.SegmentRecord call = tracing.segments("CalcApi/call").getLast();
        assertTrue(call.bound() && call.ended());
        assertEquals("00-" + TRACE_A + "-" + call.spanId() + "-01", traceparent, "the segment is the parent");
        assertEquals(
                Optional.of(TRACE_A),
                TraceHeaders.traceId(Map.of("newrelic", linked.get().get("newrelic"))));
        assertTrue(tracing.segments("Worker/job").getFirst().bound(), "the handed-off work is a segment");
        assertFalse(tracing.segments("after").getFirst().bound(), "the link ends with the handed-off work");
        assertEquals(2, tracing.unboundCalls(), "only the unlinked segment and the one after the work");
    }

    @Test
    void newRelicWithoutAnAgentIsANoOpThatStillRunsTheWork() throws Exception {
        Tracing tracing = new NewRelicTracing();
        tracing.acceptQueueHeaders(w3c(TRACE_A, "b7ad6b7169203331"));
        assertEquals(Map.of(), tracing.insertHeaders());
        try (Tracing.Segment s = tracing.segment("CalcApi/call")) {
            s.addAttribute("shopId", "1");
            s.addAttribute("attempt", 1);
            s.addAttribute("ok", true);
            s.addAttribute("none", null);
            assertEquals(Map.of(), s.insertHeaders());
            s.reportHttp(java.net.URI.create("http://127.0.0.1/"), "GET", 200);
        }
        tracing.addAttributes(Map.of("runId", "r", "batchSize", 3));
        tracing.recordEvent("OfferRecorderWorkerBatch", Map.of("jobsRecorded", 3, "list", List.of(1)));
        assertEquals(42, tracing.handoff().call("Worker/job", () -> 42));
    }
}
