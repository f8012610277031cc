package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** A container's share of the API, from the job queue's counts (ElasticMQ answers them as SQS does). */
@WithEmbeddedStack
class FleetShareTest {
    static EmbeddedStack stack;

    private static FleetShare shares(String queueUrl) {
        return new FleetShare(
                stack.sqs(), queueUrl, 40.0, 10, new JsonLog("test", new PrintStream(OutputStream.nullOutputStream())));
    }

    @Test
    void whileJobsWaitEveryContainerTakesTheStaticShare() {
        var shares = shares("unused");
        assertEquals(4.0, shares.share(200, 1, 2_000), 1e-9);
        assertEquals(4.0, shares.share(200, 50_000, 200), 1e-9);
    }

    @Test
    void onceNothingWaitsTheWorkingContainersSplitTheWholeCapacity() {
        var shares = shares("unused");
        assertEquals(40.0 / 3, shares.share(200, 0, 600), 1e-9, "three batches left: a third each");
        assertEquals(40.0, shares.share(200, 0, 200), 1e-9, "the last batch may use the whole API");
        assertEquals(40.0, shares.share(200, 0, 0), 1e-9, "a count that lags never gives more than the capacity");
        assertEquals(4.0, shares.share(200, 0, 5_000), 1e-9, "never below the static share");
        assertEquals(4.0, shares.share(0, 0, 0), 1e-9);
    }

    @Test
    void readsTheCountsFromTheQueue() throws InterruptedException {
        String queue =
                stack.sqs().createQueue(r -> r.queueName("fleet-share-test")).queueUrl();
        for (int batch = 0; batch < 30; batch++) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i))
                        .messageBody("job-" + batch + "-" + i)
                        .build());
            }
            stack.sqs().sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
        }
        var shares = shares(queue);
        assertEquals(4.0, shares.shareFor(200), 1e-9, "300 jobs wait");
        receive(queue, 300);
        assertEquals(40.0 * 200 / 300, shares.shareFor(200), 1e-9, "all 300 in flight, 200 of them this batch's");
        assertEquals(4.0, shares("http://127.0.0.1:1/nothing-here").shareFor(200), 1e-9, "unreadable: static share");
    }

    private static void receive(String queue, int count) {
        int got = 0;
        while (got < count) {
            got += stack.sqs()
                    .receiveMessage(
                            r -> r.queueUrl(queue).maxNumberOfMessages(10).visibilityTimeout(120))
                    .messages()
                    .size();
        }
    }
}
