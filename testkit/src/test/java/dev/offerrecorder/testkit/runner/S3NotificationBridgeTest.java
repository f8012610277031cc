package dev.offerrecorder.testkit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** The bridge as kind as S3Proxy (each new object once) or as unkind as S3 (duplicates, a test event). */
@WithEmbeddedStack
class S3NotificationBridgeTest {
    static EmbeddedStack stack;

    private List<String> drain(String queue) {
        List<String> bodies = new ArrayList<>();
        while (true) {
            var messages = stack.sqs()
                    .receiveMessage(
                            r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (messages.isEmpty()) {
                return bodies;
            }
            for (var m : messages) {
                bodies.add(m.body());
                stack.sqs().deleteMessage(r -> r.queueUrl(queue).receiptHandle(m.receiptHandle()));
            }
        }
    }

    @Test
    void sendsDuplicatesAndATestEventOnlyWhenAskedTo() {
        String bucket = stack.layout().rawBucket();
        String queue = stack.url(stack.layout().transformQueue());
        var bridge = new S3NotificationBridge(stack.s3(), stack.sqs(), bucket, "bridge/", queue);
        for (int i = 0; i < 4; i++) {
            int n = i;
            stack.s3().putObject(r -> r.bucket(bucket).key("bridge/a" + n), RequestBody.fromString("x"));
        }
        bridge.run();
        assertEquals(4, drain(queue).size(), "kind by default: one notification per object");

        bridge.unkind(2, true);
        for (int i = 0; i < 4; i++) {
            int n = i;
            stack.s3().putObject(r -> r.bucket(bucket).key("bridge/b" + n), RequestBody.fromString("x"));
        }
        bridge.run();
        List<String> bodies = drain(queue);
        assertEquals(1, bodies.stream().filter(b -> b.contains("s3:TestEvent")).count(), bodies.toString());
        assertEquals(
                6, bodies.stream().filter(b -> b.contains("ObjectCreated:Put")).count(), bodies.toString());
        assertEquals(2, bridge.duplicatesSent());
    }
}
