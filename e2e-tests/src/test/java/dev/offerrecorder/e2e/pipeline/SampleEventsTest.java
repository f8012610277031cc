package dev.offerrecorder.e2e.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.fanout.SliceHandler;
import dev.offerrecorder.replay.ReplayHandler;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.support.RepoFiles;
import dev.offerrecorder.transform.TransformHandler;
import dev.offerrecorder.worker.WorkerHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** Every sample event in events/ drives its handler, built as Lambda builds it, against the embedded stack. */
@WithEmbeddedStack(maxReceiveCount = 1)
class SampleEventsTest {
    @TempDir
    static Path dir;

    static EmbeddedStack stack;
    static CalcApiSimulator api;
    final ObjectMapper mapper = Json.newMapper();

    @BeforeAll
    static void start() throws Exception {
        api = new CalcApiSimulator(4, 16, 1, 0);
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static SQSEvent sqsEvent(String file) {
        return LambdaEventSerializers.serializerFor(SQSEvent.class, SampleEventsTest.class.getClassLoader())
                .fromJson(RepoFiles.event(stack.layout(), file));
    }

    private long queued(String queue) {
        return stack.depth(queue).total();
    }

    @Test
    void workerSampleRecordsTwoJobsAndRejectsTheBadMessage() throws Exception {
        var handler = new WorkerHandler(stack.workerEnv(api.urlTemplate()));
        SQSBatchResponse response = handler.handleRequest(
                sqsEvent("worker-sqs.json"), new dev.offerrecorder.testkit.runner.LocalContext("test", 60_000, 1024));
        assertEquals(
                List.of("0b8d4c2e-6f6c-4d9b-9a57-333333333333"),
                response.getBatchItemFailures().stream()
                        .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                        .toList(),
                "only 'not a job' fails");
        var objects = stack.s3()
                .listObjectsV2(r -> r.bucket(stack.layout().rawBucket()).prefix("raw/dt=2024-01-01/run=sample-run/"))
                .contents();
        assertEquals(1, objects.size());
        List<JsonNode> lines;
        try (var in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(
                        stack.s3().getObject(r -> r.bucket(stack.layout().rawBucket())
                                .key(objects.getFirst().key()))),
                StandardCharsets.UTF_8))) {
            lines = in.lines()
                    .map(l -> {
                        try {
                            return mapper.readTree(l);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    })
                    .toList();
        }
        assertEquals(2, lines.size());
        assertEquals("123", lines.get(0).path("shopId").asText());
        assertEquals("OK", lines.get(0).path("outcome").asText());
        assertEquals(
                CalcApiSimulator.body("123", "2024-01-01"),
                lines.get(0).path("responseBody").asText());
        assertEquals("997", lines.get(1).path("shopId").asText());
        assertEquals("NOT_FOUND", lines.get(1).path("outcome").asText());
    }

    @Test
    void backfillSampleEnqueuesShopsTimesDays() throws Exception {
        String queue = stack.layout().jobQueue();
        long before = queued(queue);
        JsonNode summary = mapper.readTree(LambdaRunner.invokeDirect(
                new FanoutHandler(stack.fanoutEnv()),
                "fanout",
                RepoFiles.event(stack.layout(), "backfill.json"),
                Duration.ofMinutes(1)));
        assertEquals(11 * 3, summary.path("jobsEnqueued").asLong(), summary.toString());
        assertEquals("backfill-2024-01-sample", summary.path("runId").asText());
        assertEquals(before + 33, queued(queue));
        purge(queue);
    }

    @Test
    void sliceSampleEnqueuesItsJobsAndReportsOnlyTheBadMessage() throws Exception {
        String queue = stack.layout().jobQueue();
        purge(queue);
        var handler = new SliceHandler(stack.fanoutEnv());
        SQSBatchResponse response = handler.handleRequest(
                sqsEvent("slice-sqs.json"), new dev.offerrecorder.testkit.runner.LocalContext("test", 60_000, 1024));
        assertEquals(
                List.of("5a1ce000-0000-4000-8000-000000000002"),
                response.getBatchItemFailures().stream()
                        .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                        .toList(),
                "only 'not a slice' fails");
        assertEquals(3 * 2, queued(queue), "3 shops x 2 days");
        purge(queue);
    }

    @Test
    void scheduleSampleRecordsYesterdayInTokyoForTheManifest() throws Exception {
        stack.s3()
                .putObject(
                        r -> r.bucket(stack.layout().rawBucket()).key("manifests/daily.csv"),
                        RequestBody.fromString("shop_id,name\n1,a\n2,b\n3,c\n"));
        String queue = stack.layout().jobQueue();
        purge(queue);
        var handler = new FanoutHandler(
                stack.fanoutEnv().with("SHOP_MANIFEST", "s3://" + stack.layout().rawBucket() + "/manifests/daily.csv"));
        JsonNode summary = mapper.readTree(LambdaRunner.invokeDirect(
                handler, "fanout", RepoFiles.event(stack.layout(), "schedule.json"), Duration.ofMinutes(1)));
        // 2024-03-01T15:30Z is 2024-03-02 00:30 in Tokyo: yesterday there is 2024-03-01.
        assertEquals("2024-03-01", summary.path("from").asText(), summary.toString());
        assertEquals(3, summary.path("jobsEnqueued").asLong());
        assertEquals(3, queued(queue));
        purge(queue);
    }

    @Test
    void manifestDryRunSampleCountsWithoutSending() throws Exception {
        stack.s3()
                .putObject(
                        r -> r.bucket(stack.layout().rawBucket()).key("manifests/shops.csv"),
                        RequestBody.fromString("shop_id\n10\n11\n12\n13\n"));
        String queue = stack.layout().jobQueue();
        long before = queued(queue);
        JsonNode summary = mapper.readTree(LambdaRunner.invokeDirect(
                new FanoutHandler(stack.fanoutEnv()),
                "fanout",
                RepoFiles.event(stack.layout(), "backfill-manifest.json"),
                Duration.ofMinutes(1)));
        assertTrue(summary.path("dryRun").asBoolean());
        assertEquals(4 * 31, summary.path("jobsPlanned").asLong());
        assertEquals(0, summary.path("jobsEnqueued").asLong());
        assertEquals(4 * 31 / 40.0, summary.path("estimatedApiSeconds").asDouble(), 1e-9);
        assertEquals(before, queued(queue), "a dry run sends nothing");
    }

    @Test
    void transformSampleWritesTheRawObjectAsParquet() throws Exception {
        var record = new RawRecord(
                1,
                "sample-run",
                "123",
                LocalDate.of(2024, 1, 1),
                api.urlTemplate().replace("{shopId}", "123").replace("{date}", "2024-01-01"),
                200,
                Outcome.OK,
                12,
                1,
                CalcApiSimulator.body("123", "2024-01-01"),
                Instant.parse("2024-01-02T00:00:00Z"),
                "m-1",
                null);
        stack.s3()
                .putObject(
                        r -> r.bucket(stack.layout().rawBucket())
                                .key("raw/dt=2024-01-01/run=sample-run/part-000000000000000000000000.jsonl.gz"),
                        RequestBody.fromBytes(new RawLogCodec().encode(List.of(record))));
        Path work = Files.createDirectories(dir.resolve("work"));
        var response = new TransformHandler(stack.transformEnv(work))
                .handleRequest(
                        sqsEvent("transform-sqs.json"),
                        new dev.offerrecorder.testkit.runner.LocalContext("test", 60_000, 1024));
        assertEquals(0, response.getBatchItemFailures().size());
        var out = stack.s3()
                .listObjectsV2(r -> r.bucket(stack.layout().platformBucket()).prefix("offer_recordings/dt=2024-01-01/"))
                .contents();
        assertEquals(1, out.size(), "one Parquet part for the sample object");
        assertTrue(out.getFirst().key().endsWith(".parquet"));
    }

    @Test
    void replaySamplesListAndStartsAReplay() throws Exception {
        String dlq = stack.url(stack.layout().jobDlq());
        stack.sqs().sendMessage(r -> r.queueUrl(dlq)
                .messageBody("{\"v\":1,\"runId\":\"r\",\"shopId\":\"5\"," + "\"date\":\"2024-01-01\"}"));
        var handler = new ReplayHandler(stack.replayEnv());
        JsonNode list = mapper.readTree(LambdaRunner.invokeDirect(
                handler, "replay", RepoFiles.event(stack.layout(), "replay-list.json"), Duration.ofMinutes(1)));
        assertTrue(list.isArray());
        JsonNode started = mapper.readTree(LambdaRunner.invokeDirect(
                handler, "replay", RepoFiles.event(stack.layout(), "replay-start.json"), Duration.ofMinutes(1)));
        assertTrue(started.path("taskHandle").asText().length() > 0, started.toString());
        assertEquals(20, started.path("maxPerSecond").asInt());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (queued(stack.layout().jobDlq()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, queued(stack.layout().jobDlq()), "the DLQ message moved back");
        purge(stack.layout().jobQueue());
    }

    private void purge(String queue) {
        stack.sqs().purgeQueue(r -> r.queueUrl(stack.url(queue)));
    }
}
