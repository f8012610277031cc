package dev.offerrecorder.worker;

import java.util.Map;

/** An SQS message as the worker sees it, independent of the Lambda events library. */
public record JobMessage(String messageId, String body, Map<String, String> attributes) {
    public JobMessage {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public JobMessage(String messageId, String body) {
        this(messageId, body, Map.of());
    }
}
