package dev.offerrecorder.shared.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** What every SQS-triggered handler reads from a message and answers for a batch. */
public final class SqsBatches {
    private SqsBatches() {}

    /** A message's String attributes (trace context travels there); binary and absent values are left out. */
    public static Map<String, String> stringAttributes(SQSEvent.SQSMessage message) {
        Map<String, String> out = new HashMap<>();
        if (message.getMessageAttributes() != null) {
            message.getMessageAttributes().forEach((name, value) -> {
                if (value != null && value.getStringValue() != null) {
                    out.put(name, value.getStringValue());
                }
            });
        }
        return out;
    }

    /** The partial-batch response: these messages come back, every other one is deleted. */
    public static SQSBatchResponse failures(Collection<String> failedMessageIds) {
        return SQSBatchResponse.builder()
                .withBatchItemFailures(failedMessageIds.stream()
                        .map(id -> SQSBatchResponse.BatchItemFailure.builder()
                                .withItemIdentifier(id)
                                .build())
                        .toList())
                .build();
    }
}
