package dev.offerrecorder.shared.sqs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqsBatchesTest {
    @Test
    void keepsStringAttributesOnly() {
        var text = new SQSEvent.MessageAttribute();
        text.setDataType("String");
        text.setStringValue("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        var binary = new SQSEvent.MessageAttribute();
        binary.setDataType("Binary");
        Map<String, SQSEvent.MessageAttribute> attributes = new HashMap<>();
        attributes.put("traceparent", text);
        attributes.put("blob", binary);
        attributes.put("nothing", null);
        var message = new SQSEvent.SQSMessage();
        message.setMessageAttributes(attributes);
        assertEquals(Map.of("traceparent", text.getStringValue()), SqsBatches.stringAttributes(message));
        assertEquals(Map.of(), SqsBatches.stringAttributes(new SQSEvent.SQSMessage()));
    }

    @Test
    void reportsExactlyTheFailedMessages() {
        var response = SqsBatches.failures(List.of("m-2", "m-5"));
        assertEquals(
                List.of("m-2", "m-5"),
                response.getBatchItemFailures().stream()
                        .map(f -> f.getItemIdentifier())
                        .toList());
        assertEquals(List.of(), SqsBatches.failures(List.of()).getBatchItemFailures());
    }
}
