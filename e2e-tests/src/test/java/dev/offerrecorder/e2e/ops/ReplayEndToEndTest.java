package dev.offerrecorder.e2e.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.e2e.cli.Cli;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.local.serve.LocalServer;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import dev.offerrecorder.testkit.support.Table;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise, end to end on the embedded AWS and driven through the CLI: jobs of failing shops reach the
 * DLQ after maxReceiveCount, the backfill reports the run stalled, the failure is lifted, a replay moves them back,
 * and the table holds every job exactly once.
 */
class ReplayEndToEndTest {
    static final Set<String> FAILING = Set.of("3", "7", "11");

    @TempDir
    Path dir;

    @Test
    void failedJobsGoToTheDlqAndAReplayRecordsEveryJobExactlyOnce() throws Exception {
        var options = PipelineOptions.defaults(dir)
                .withApi(8, 5, 1, 0.0)
                .withLayout(StackLayout.local().withMaxReceiveCount(2))
                .withWorkerEnv(Map.of("API_MAX_ATTEMPTS", "2"));
        int shops = 20;
        int days = 3;
        long jobs = (long) shops * days;
        long failing = (long) FAILING.size() * days;
        try (LocalServer server = LocalServer.start(options)) {
            server.pipeline().api().setFaults(SimulatorFaults.none().withFailingShops(FAILING));

            Cli.Result backfill = Cli.run(
                    "backfill",
                    "--local",
                    "--data-dir",
                    dir,
                    "--from",
                    "2024-03-01",
                    "--to",
                    "2024-03-03",
                    "--shops",
                    "1-" + shops,
                    "--run-id",
                    "e2e-replay",
                    "--wait",
                    "--stall-after",
                    "3s",
                    "--timeout",
                    "2m");
            assertEquals(1, backfill.exitCode(), "the run stalls with jobs in the DLQ: " + backfill);
            assertTrue(
                    backfill.err().contains("stalled: " + (jobs - failing) + " of " + jobs + " jobs recorded"),
                    backfill.toString());
            assertEquals(
                    jobs,
                    Json.newMapper()
                            .readTree(backfill.out())
                            .path("jobsPlanned")
                            .asLong());

            Cli.Result peek = Cli.run("replay", "peek", "--local", "--data-dir", dir, "--json", "--sample", "100");
            assertEquals(0, peek.exitCode(), peek.toString());
            JsonNode dlq = Json.newMapper().readTree(peek.out());
            assertEquals(failing, dlq.path("visible").asLong(), peek.out());
            assertEquals(1, dlq.path("reasons").size(), peek.out());
            assertEquals(
                    "retries exhausted: gave up after 2 attempts (last: HTTP 500)",
                    dlq.path("reasons").get(0).path("reason").asText());
            for (JsonNode sample : dlq.path("reasons").get(0).path("samples")) {
                String shop = sample.path("job").asText().split("/")[1];
                assertTrue(FAILING.contains(shop), "only failing shops in the DLQ: " + sample);
            }

            Cli.Result before = Cli.run("status", "--local", "--data-dir", dir, "--run", "e2e-replay", "--json");
            assertEquals(0, before.exitCode(), before.toString());
            JsonNode run = Json.newMapper().readTree(before.out()).path("run");
            assertEquals(jobs, run.path("planned").asLong(), before.out());
            assertEquals("manifest", run.path("plannedFrom").asText());
            assertEquals(jobs - failing, run.path("recorded").asLong(), before.out());

            server.pipeline().api().setFaults(SimulatorFaults.none());
            Cli.Result replay =
                    Cli.run("replay", "start", "--local", "--data-dir", dir, "--wait", "--interval", "200ms");
            assertEquals(0, replay.exitCode(), replay.toString());

            Cli.Result after = Cli.run(
                    "status",
                    "--local",
                    "--data-dir",
                    dir,
                    "--run",
                    "e2e-replay",
                    "--wait",
                    "--stall-after",
                    "10s",
                    "--timeout",
                    "2m");
            assertEquals(0, after.exitCode(), after.toString());
            assertTrue(
                    after.out().contains("run e2e-replay: " + jobs + " of " + jobs + " jobs recorded"),
                    after.toString());

            server.pipeline().awaitQuiet(Duration.ofMinutes(2), p -> {});
            assertEquals(0, server.pipeline().dlqDepth());
            for (String shop : FAILING) {
                assertTrue(
                        server.pipeline().api().callsFor(shop, LocalDate.of(2024, 3, 1)) >= 3,
                        "shop " + shop + " failed its deliveries before the replay recorded it");
            }
            List<Map<String, Object>> counts = Table.query(
                    server.pipeline().tableDir(),
                    "SELECT count(*) AS n, count(DISTINCT shop_id || '|' || CAST(target_date AS VARCHAR)) AS d, "
                            + "count(*) FILTER (WHERE outcome = 'OK') AS ok FROM {table}");
            assertEquals(jobs, ((Number) counts.getFirst().get("n")).longValue(), "rows: " + counts);
            assertEquals(jobs, ((Number) counts.getFirst().get("d")).longValue(), "distinct jobs: " + counts);
            assertEquals(jobs, ((Number) counts.getFirst().get("ok")).longValue(), "all answered 200: " + counts);

            Cli.Result partitions = Cli.run("status", "--local", "--data-dir", dir, "--json");
            JsonNode parts = Json.newMapper().readTree(partitions.out()).path("partitions");
            assertEquals(days, parts.size(), partitions.out());
            for (JsonNode p : parts) {
                assertEquals(shops, p.path("rawRecords").asLong(), partitions.out());
                assertEquals(shops, p.path("parquetRows").asLong(), partitions.out());
            }
        }
    }
}
