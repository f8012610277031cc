package dev.offerrecorder.shared.trace;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which upstream trace a batch invocation continues. A transaction takes one parent, but a batch of SQS
 * messages may come from several traces (two runs, a replay): the first message that carries a context becomes
 * the parent, and the other traces' IDs are kept so they can be recorded as attributes, New Relic's Java API
 * having no span links.
 *
 * @param parent        the headers to accept; empty when no message carries a context
 * @param parentTraceId the parent's trace ID, or "" when unknown
 * @param carriers      messages that carried a context
 * @param otherTraceIds distinct trace IDs other than the parent's, in batch order, at most {@link #MAX_LINKS}
 * @param otherTraces   how many distinct other traces there were, including those not kept
 */
public record BatchParent(
        Map<String, String> parent, String parentTraceId, int carriers, List<String> otherTraceIds, int otherTraces) {
    /** Enough to follow a mixed batch; the attribute stays under New Relic's 255-character limit for values. */
    public static final int MAX_LINKS = 7;

    public BatchParent {
        parent = Map.copyOf(parent);
        otherTraceIds = List.copyOf(otherTraceIds);
    }

    /** @param contexts each message's attributes, in batch order (non-trace attributes are ignored) */
    public static BatchParent choose(List<Map<String, String>> contexts) {
        Map<String, String> parent = Map.of();
        String parentTraceId = "";
        int carriers = 0;
        Set<String> others = new LinkedHashSet<>();
        for (Map<String, String> attributes : contexts) {
            Map<String, String> headers = TraceHeaders.pick(attributes);
            if (headers.isEmpty()) {
                continue;
            }
            carriers++;
            String traceId = TraceHeaders.traceId(headers).orElse("");
            if (parent.isEmpty()) {
                parent = headers;
                parentTraceId = traceId;
            } else if (!traceId.isEmpty() && !traceId.equals(parentTraceId)) {
                others.add(traceId);
            }
        }
        List<String> kept = new ArrayList<>(others).subList(0, Math.min(MAX_LINKS, others.size()));
        return new BatchParent(parent, parentTraceId, carriers, kept, others.size());
    }

    /** Transaction attributes that say how this invocation links to its upstream traces. */
    public Map<String, Object> attributes() {
        return Map.of(
                "trace.carriers",
                carriers,
                "trace.parentTraceId",
                parentTraceId,
                "trace.otherTraceCount",
                otherTraces,
                "trace.otherTraceIds",
                String.join(",", otherTraceIds));
    }
}
