package dev.offerrecorder.e2e.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.e2e.cli.Cli;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.local.serve.LocalServer;
import dev.offerrecorder.shared.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status --run} reports what the fleet learned about the API, from what real workers wrote while a run
 * recorded against the simulator (W workers, L ms): the no-load latency near L, the throughput held, every
 * rejection the simulator answered, and, when the fleet is pushed past W, a knee near W. Bounds are loose: this is
 * a shared 2-core machine.
 */
class ApiReportEndToEndTest {
    private final ObjectMapper mapper = Json.newMapper();

    @TempDir
    Path dir;

    @Test
    void statusShowsTheApisNoLoadLatencyThroughputAndEveryRejection() throws Exception {
        int w = 4;
        long l = 150;
        // Four containers, each starting at four calls in flight, against W + queue = 12: the fleet meets 503s.
        var options = PipelineOptions.defaults(dir).withApi(w, l, 15, 0.0).withWorker(50, 4, Duration.ofSeconds(60));
        try (LocalServer server = LocalServer.start(options)) {
            JsonNode api = record("api-seen", "1-240", server);
            long rejected = server.pipeline().api().stats().rejected();
            long requests = server.pipeline().api().stats().requests();
            assertEquals(rejected, api.path("rejected").asLong(), "every 503 the simulator answered: " + api);
            assertEquals(requests, api.path("calls").asLong(), "every attempt the simulator saw: " + api);
            assertEquals(240, api.path("answered").asLong(), "one answer per job: " + api);
            double noLoad = api.path("noLoadLatencyMs").asDouble();
            assertTrue(Math.abs(noLoad - l) <= 0.3 * l, "no-load latency near L=" + l + ": " + api);
            assertTrue(api.path("heldPerSecond").asDouble() > 0, api.toString());
            assertTrue(api.path("heldPerSecond").asDouble() <= 1.2 * w * 1000 / l, "at most the API's W/L: " + api);
            assertTrue(api.path("summaries").asInt() >= 240 / 50, "one summary per invocation at least: " + api);
        }
    }

    @Test
    void aFleetPushedPastTheApisWorkersShowsAKneeNearThem() throws Exception {
        int w = 4;
        long l = 200;
        // An operator who overstates the API's capacity four times (80/s for W / L = 20/s): eight containers paced
        // at 10/s each push past W, the simulator queues beyond W, and latency grows before the caps hold it.
        var options = PipelineOptions.defaults(dir)
                .withApi(w, l, 20, 0.0)
                .withWorker(40, 8, Duration.ofSeconds(60))
                .withWorkerEnv(java.util.Map.of("API_CONCURRENCY_INITIAL", "6", "API_CAPACITY_RPS", "80"));
        try (LocalServer server = LocalServer.start(options)) {
            JsonNode api = record("api-knee", "1-320", server);
            assertEquals("api", api.path("limitedBy").asText(), api.toString());
            double knee = api.path("kneeInFlight").asDouble(-1);
            assertTrue(knee >= w / 2.0 && knee <= 2.0 * w, "knee near W=" + w + ": " + api);
            assertTrue(api.path("verdict").asText().startsWith("API-bound"), api.toString());
            double noLoad = api.path("noLoadLatencyMs").asDouble();
            assertTrue(noLoad >= 0.7 * l && noLoad <= 1.6 * l, "no-load latency near L=" + l + ": " + api);
        }
    }

    /** Backfills the shops for one day, waits for every job, prints the text status, returns the JSON API report. */
    private JsonNode record(String runId, String shops, LocalServer server) throws Exception {
        Cli.Result backfill = Cli.run(
                "backfill",
                "--local",
                "--data-dir",
                dir,
                "--from",
                "2024-02-01",
                "--shops",
                shops,
                "--run-id",
                runId,
                "--wait",
                "--stall-after",
                "30s",
                "--timeout",
                "3m");
        assertEquals(0, backfill.exitCode(), backfill.toString());
        Cli.Result text = Cli.run("status", "--local", "--data-dir", dir, "--run", runId, "--partitions", 0);
        assertEquals(0, text.exitCode(), text.toString());
        System.out.println(text.out());
        assertTrue(text.out().contains("API, from "), text.out());
        Cli.Result json = Cli.run("status", "--local", "--data-dir", dir, "--run", runId, "--partitions", 0, "--json");
        assertEquals(0, json.exitCode(), json.toString());
        return mapper.readTree(json.out()).path("run").path("api");
    }
}
