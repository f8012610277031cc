package dev.offerrecorder.e2e.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.local.serve.LocalServer;
import dev.offerrecorder.operator.cli.RecorderCli;
import dev.offerrecorder.shared.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * {@code recorder replay ...} against the embedded stack as {@code ./recorder serve} runs it (in this JVM), through
 * stack.json and the Lambda Invoke API: peek, start, refusal while a task runs (exit 4), list, cancel, a rate
 * above the API's capacity (exit 2), and a full replay followed to the end.
 */
class ReplayCliTest {
    @TempDir
    static Path dir;

    static LocalServer server;

    @BeforeAll
    static void start() throws Exception {
        // Simulator W=8, L=50 ms: capacity 160 requests/s, so replays default to 80/s.
        server = LocalServer.start(PipelineOptions.defaults(dir).withApi(8, 50, 5, 0.0));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void replayIsPeekedStartedRefusedListedCancelledAndFollowed() throws Exception {
        Cli.Result empty = Cli.run("replay", "start", "--local", "--data-dir", dir);
        assertEquals(0, empty.exitCode(), empty.toString());
        assertTrue(empty.out().contains("nothing to replay"), empty.toString());

        fillDlq(200);
        Cli.Result peek = Cli.run("replay", "peek", "--local", "--data-dir", dir, "--json", "--sample", "30");
        assertEquals(0, peek.exitCode(), peek.toString());
        JsonNode summary = Json.newMapper().readTree(peek.out());
        assertEquals(200, summary.path("visible").asLong(), peek.toString());
        assertEquals(30, summary.path("sampled").asInt());
        assertEquals(
                "valid job, failed after 0 receives",
                summary.path("reasons").get(0).path("reason").asText(),
                "sent straight to the DLQ, never delivered: " + peek.out());

        Cli.Result started = Cli.run("replay", "start", "--local", "--data-dir", dir, "--rate", "1");
        assertEquals(0, started.exitCode(), started.toString());
        assertTrue(started.out().contains("replay started"), started.toString());
        assertTrue(started.err().contains("job DLQ: 200 messages visible"), "shows the DLQ before: " + started);

        Cli.Result refused = Cli.run("replay", "start", "--local", "--data-dir", dir, "--rate", "1", "--sample", "0");
        assertEquals(RecorderCli.EXIT_REFUSED, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("refused: a replay is already running"), refused.toString());

        Cli.Result list = Cli.run("replay", "list", "--local", "--data-dir", dir);
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("RUNNING") && list.out().contains("1/s"), list.toString());

        Cli.Result cancelled = Cli.run("replay", "cancel", "--local", "--data-dir", dir);
        assertEquals(0, cancelled.exitCode(), cancelled.toString());
        assertTrue(cancelled.out().contains("cancelled task"), cancelled.toString());

        Cli.Result tooFast = Cli.run("replay", "start", "--local", "--data-dir", dir, "--rate", "200", "--sample", "0");
        assertEquals(RecorderCli.EXIT_USAGE, tooFast.exitCode(), tooFast.toString());
        assertTrue(tooFast.err().contains("above the API's capacity of 160"), tooFast.toString());
        RecorderCliTest.assertOneLine(tooFast.err());

        Cli.Result followed = Cli.run(
                "replay", "start", "--local", "--data-dir", dir, "--wait", "--sample", "0", "--interval", "200ms");
        assertEquals(0, followed.exitCode(), followed.toString());
        assertTrue(followed.out().contains("at most 80/s"), "the default rate is half the capacity: " + followed);
        assertTrue(followed.out().contains("completed"), followed.toString());

        Cli.Result status = Cli.run("status", "--local", "--data-dir", dir, "--json", "--partitions", "0");
        assertEquals(0, status.exitCode(), status.toString());
        JsonNode queues = Json.newMapper().readTree(status.out()).path("queues");
        for (JsonNode q : queues) {
            if (q.path("name").asText().equals("jobs DLQ")) {
                assertEquals(0, q.path("visible").asLong(), status.out());
            }
        }
    }

    private static void fillDlq(int jobs) {
        String dlq = server.stack().jobDlqUrl();
        for (int i = 0; i < jobs; i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int shop = i + 1; shop <= Math.min(jobs, i + 10); shop++) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id(Integer.toString(shop))
                        .messageBody("{\"v\":1,\"runId\":\"cli-replay\",\"shopId\":\"" + shop
                                + "\",\"date\":\"2024-01-01\"}")
                        .build());
            }
            server.pipeline().stack().sqs().sendMessageBatch(r -> r.queueUrl(dlq)
                    .entries(entries));
        }
    }
}
