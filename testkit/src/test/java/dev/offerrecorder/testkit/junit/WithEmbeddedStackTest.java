package dev.offerrecorder.testkit.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.offerrecorder.testkit.aws.EmbeddedStack;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The extension fills the class's stack before {@code @BeforeAll}, with the layout the annotation asks for. */
@WithEmbeddedStack(maxReceiveCount = 2)
class WithEmbeddedStackTest {
    static EmbeddedStack stack;
    static String seenInBeforeAll;

    @BeforeAll
    static void useIt() {
        seenInBeforeAll = stack.url(stack.layout().jobQueue());
    }

    @Test
    void theStackIsUpBeforeBeforeAllWithTheAskedRedrivePolicy() {
        assertNotNull(seenInBeforeAll);
        Map<QueueAttributeName, String> attributes = stack.sqs()
                .getQueueAttributes(r -> r.queueUrl(seenInBeforeAll).attributeNames(QueueAttributeName.REDRIVE_POLICY))
                .attributes();
        assertEquals(
                2,
                Integer.parseInt(attributes
                        .get(QueueAttributeName.REDRIVE_POLICY)
                        .replaceAll(".*\"maxReceiveCount\":\"?(\\d+).*", "$1")));
        stack.s3().headBucket(r -> r.bucket(stack.layout().rawBucket()));
    }
}
