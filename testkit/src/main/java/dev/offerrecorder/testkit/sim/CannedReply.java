package dev.offerrecorder.testkit.sim;

import java.util.Map;

/**
 * A fixed answer the simulator gives for one shop instead of computing one: any status, headers and body, so a
 * test can put exactly the response it wants (a truncated body, a 302, a 429 with a broken Retry-After) on the
 * wire and watch what the worker makes of it.
 */
public record CannedReply(int status, Map<String, String> headers, String body) {
    public CannedReply {
        if (status < 200 || status > 599) {
            // 1xx are interim answers, never final ones.
            throw new IllegalArgumentException("HTTP status must be 200-599, got " + status);
        }
        headers = Map.copyOf(headers);
        body = body == null ? "" : body;
    }
}
