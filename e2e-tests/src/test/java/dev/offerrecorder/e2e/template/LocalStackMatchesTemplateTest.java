package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stack obeys template.yaml's own rules, so tests prove what production does: each queue's visibility
 * is the same multiple of its consumer's timeout, retention and receive counts are the template's, and each DLQ
 * outlives its source. Checked on the template, on {@link StackLayout#local()}, and on the queues the embedded
 * stack really creates.
 */
@WithEmbeddedStack
class LocalStackMatchesTemplateTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();
    static EmbeddedStack stack;

    @ParameterizedTest
    @CsvSource({"JobQueue,JobDlq,jobs", "FanoutQueue,FanoutDlq,fanout", "TransformQueue,TransformDlq,transform"})
    void queueRulesAreTheTemplatesLocallyToo(String queue, String dlq, String suffix) throws Exception {
        Map<String, Object> q = TEMPLATE.properties(queue);
        Map<String, Object> d = TEMPLATE.properties(dlq);
        String consumer = consumerOf(queue);
        long timeout = TEMPLATE.functionTimeout(consumer);
        long visibility = number(q.get("VisibilityTimeout"));
        assertEquals(
                StackLayout.VISIBILITY_PER_TIMEOUT * timeout,
                visibility,
                queue + "'s visibility against " + consumer + "'s timeout");

        StackLayout local = StackLayout.local();
        assertEquals(
                number(q.get("MessageRetentionPeriod")), local.queueRetention().toSeconds(), queue);
        assertEquals(
                number(d.get("MessageRetentionPeriod")), local.dlqRetention().toSeconds(), dlq);
        assertTrue(local.dlqRetention().compareTo(local.queueRetention()) > 0);
        int templateReceives = (int) number(Cfn.map(q.get("RedrivePolicy")).get("maxReceiveCount"));
        int localReceives =
                switch (suffix) {
                    case "jobs" -> local.jobMaxReceiveCount();
                    case "fanout" -> StackLayout.FANOUT_MAX_RECEIVES;
                    default -> StackLayout.TRANSFORM_MAX_RECEIVES;
                };
        assertEquals(templateReceives, localReceives, queue + " maxReceiveCount");

        // What the embedded stack created.
        String url = stack.url(stack.layout().prefix() + "-" + suffix);
        Map<QueueAttributeName, String> created = stack.sqs()
                .getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.ALL))
                .attributes();
        Duration localTimeout =
                switch (suffix) {
                    case "jobs" -> local.workerTimeout();
                    case "fanout" -> local.fanoutTimeout();
                    default -> local.transformTimeout();
                };
        assertEquals(
                localTimeout.multipliedBy(StackLayout.VISIBILITY_PER_TIMEOUT).toSeconds(),
                Long.parseLong(created.get(QueueAttributeName.VISIBILITY_TIMEOUT)),
                url);
        // ElasticMQ 1.7 neither keeps nor enforces MessageRetentionPeriod (it ignores the attribute); LocalStack and
        // SQS do, so the values the stack passes are checked where the endpoint returns them.
        retention(created)
                .ifPresent(seconds -> assertEquals(local.queueRetention().toSeconds(), seconds, url));
        JsonNode redrive = new ObjectMapper().readTree(created.get(QueueAttributeName.REDRIVE_POLICY));
        assertEquals(localReceives, redrive.path("maxReceiveCount").asInt(), url);
        String dlqUrl = stack.url(stack.layout().prefix() + "-" + suffix + "-dlq");
        retention(stack.sqs()
                        .getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.ALL))
                        .attributes())
                .ifPresent(seconds -> assertEquals(local.dlqRetention().toSeconds(), seconds, dlqUrl));
    }

    /** The local runner batches raw-log notifications as the template's event source does. */
    @Test
    void transformBatchesAreTheTemplates() {
        var events = TEMPLATE.events("TransformFunction", "SQS").values();
        assertEquals(1, events.size(), "one SQS event source on TransformFunction");
        Map<String, Object> e = events.iterator().next();
        assertEquals(StackLayout.TRANSFORM_BATCH_SIZE, number(e.get("BatchSize")), "BatchSize");
        assertEquals(
                StackLayout.TRANSFORM_BATCH_WINDOW.toSeconds(),
                number(e.get("MaximumBatchingWindowInSeconds")),
                "MaximumBatchingWindowInSeconds");
    }

    /** {@code ./recorder demo} gathers worker batches as the template's defaults do. */
    @Test
    void workerBatchesAreTheTemplateDefaults() {
        assertEquals(
                StackLayout.WORKER_BATCH_SIZE,
                number(Cfn.map(TEMPLATE.parameters().get("WorkerBatchSize")).get("Default")),
                "WorkerBatchSize");
        assertEquals(
                StackLayout.WORKER_BATCH_WINDOW.toSeconds(),
                number(Cfn.map(TEMPLATE.parameters().get("WorkerBatchingWindowSeconds"))
                        .get("Default")),
                "WorkerBatchingWindowSeconds");
    }

    private static Optional<Long> retention(Map<QueueAttributeName, String> attributes) {
        return Optional.ofNullable(attributes.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD))
                .map(Long::parseLong);
    }

    private static String consumerOf(String queue) {
        for (String function : TEMPLATE.functions()) {
            Optional<String> consumer = TEMPLATE.events(function, "SQS").values().stream()
                    .map(e -> Cfn.getAttResource(e.get("Queue")))
                    .flatMap(Optional::stream)
                    .filter(queue::equals)
                    .findFirst();
            if (consumer.isPresent()) {
                return function;
            }
        }
        throw new AssertionError("no function reads " + queue);
    }

    private static long number(Object value) {
        return Long.parseLong(String.valueOf(value).trim());
    }
}
