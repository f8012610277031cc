package dev.offerrecorder.e2e.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.e2e.cli.Cli;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.local.serve.LocalServer;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.EmbeddedAws;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.support.RepoFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * {@code status --run} knows a run's plan however the run started: a plain Lambda Invoke of the fan-out with
 * events/backfill.json (what {@code sam remote invoke FanoutFunction --event-file events/backfill.json} sends) to
 * {@code ./recorder serve}'s Lambda endpoint, and the daily schedule. No CLI backfill stores anything.
 */
class RunPlanEndToEndTest {
    private final ObjectMapper mapper = Json.newMapper();

    @TempDir
    Path dir;

    @Test
    void runsStartedWithoutTheCliShowTheirPlanAndAnEta() throws Exception {
        // A slow API (one simulator worker, 200 ms a call) and small batches: the run is seen while it records.
        var options = PipelineOptions.defaults(dir).withApi(1, 200, 1, 0.0).withWorker(3, 1, Duration.ofSeconds(60));
        try (LocalServer server = LocalServer.start(options)) {
            JsonNode summary = invokeLikeSamRemoteInvoke(server, RepoFiles.event("backfill.json"));
            assertEquals("backfill-2024-01-sample", summary.path("runId").asText(), summary.toString());
            long planned = summary.path("jobsPlanned").asLong();
            assertEquals(33, planned, "shops 990..1000 x 3 days");

            List<JsonNode> seen = new ArrayList<>();
            JsonNode during = null;
            for (long end = System.nanoTime() + Duration.ofMinutes(1).toNanos(); System.nanoTime() < end; ) {
                JsonNode run = status("backfill-2024-01-sample");
                seen.add(run);
                if (run.path("recorded").asLong() >= planned) {
                    break;
                }
                if (run.hasNonNull("etaSeconds")) {
                    during = run;
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(during != null, "no status showed an ETA while the run recorded: " + seen);
            assertEquals(planned, during.path("planned").asLong(), during.toString());
            assertEquals("manifest", during.path("plannedFrom").asText(), during.toString());
            assertTrue(during.path("recorded").asLong() < planned, during.toString());
            assertTrue(during.path("etaSeconds").asLong() > 0, during.toString());

            JsonNode done = awaitComplete("backfill-2024-01-sample");
            assertEquals(planned, done.path("planned").asLong(), done.toString());
            assertEquals(planned, done.path("recorded").asLong(), done.toString());
            assertNull(done.get("etaSeconds"), "nothing left to estimate: " + done);

            // The daily schedule, as EventBridge Scheduler invokes the function (Scheduler's input).
            EmbeddedStack stack = server.pipeline().stack();
            var csv = new StringBuilder("shop_id\n");
            for (int i = 1; i <= 6; i++) {
                csv.append("D").append(i).append('\n');
            }
            String bucket = stack.layout().rawBucket();
            stack.s3()
                    .putObject(
                            r -> r.bucket(bucket).key("manifests/shops.csv"), RequestBody.fromString(csv.toString()));
            var daily = new FanoutHandler(
                    stack.fanoutEnv().with("SHOP_MANIFEST", "s3://" + bucket + "/manifests/shops.csv"));
            JsonNode schedule = mapper.readTree(LambdaRunner.invokeDirect(
                    daily,
                    "fanout",
                    "{\"schedule\":\"daily\",\"scheduledTime\":\"2024-03-01T15:30:00Z\"}",
                    Duration.ofMinutes(1)));
            assertEquals("daily-2024-03-01", schedule.path("runId").asText(), schedule.toString());
            JsonNode dailyRun = awaitComplete("daily-2024-03-01");
            assertEquals(6, dailyRun.path("planned").asLong(), dailyRun.toString());
            assertEquals("manifest", dailyRun.path("plannedFrom").asText(), dailyRun.toString());
            assertEquals(6, dailyRun.path("recorded").asLong(), dailyRun.toString());
        }
    }

    /** {@code sam remote invoke}: a RequestResponse Lambda Invoke through the AWS SDK, to serve's endpoint. */
    private JsonNode invokeLikeSamRemoteInvoke(LocalServer server, String event) throws Exception {
        try (LambdaClient lambda = LambdaClient.builder()
                .endpointOverride(server.stack().endpoints().lambda())
                .region(Region.of(EmbeddedAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedAws.ACCESS_KEY, EmbeddedAws.SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            InvokeResponse response = lambda.invoke(
                    r -> r.functionName(server.stack().fanoutFunction()).payload(SdkBytes.fromUtf8String(event)));
            String payload = response.payload().asUtf8String();
            assertNull(response.functionError(), payload);
            return mapper.readTree(payload);
        }
    }

    private JsonNode status(String runId) throws Exception {
        Cli.Result status =
                Cli.run("status", "--local", "--data-dir", dir, "--run", runId, "--partitions", 0, "--json");
        assertEquals(0, status.exitCode(), status.toString());
        return mapper.readTree(status.out()).path("run");
    }

    private JsonNode awaitComplete(String runId) throws Exception {
        Cli.Result wait = Cli.run(
                "status",
                "--local",
                "--data-dir",
                dir,
                "--run",
                runId,
                "--wait",
                "--stall-after",
                "20s",
                "--timeout",
                "2m");
        assertEquals(0, wait.exitCode(), wait.toString());
        return status(runId);
    }
}
