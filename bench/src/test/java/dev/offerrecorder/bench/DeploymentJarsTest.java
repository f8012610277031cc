package dev.offerrecorder.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.support.RawLogs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The deployment jars as built (trimmed by the shade filters in the POMs) still do their work: each handler runs
 * in a fresh JVM whose classpath is its jar alone (plus {@link ColdStartProbe}'s few classes), on a real event,
 * against the embedded stack, and what it should have done is checked there. The worker reads its API token over
 * the SSM and Secrets Manager JSON protocols from a loopback server standing in for those services, so the jar
 * is shown to hold what the SDK needs to build, sign, send and read those calls. Each handler's SnapStart priming
 * ({@code beforeCheckpoint}) runs first, from the jar, as on AWS. Runs from the repository root on
 * the jars {@code package} just built (see the bench POM).
 */
@WithEmbeddedStack
class DeploymentJarsTest {
    static EmbeddedStack stack;

    private static final LocalDate DATE = LocalDate.of(2024, 1, 1);

    @TempDir
    Path dir;

    @Test
    void fanoutEnqueuesOneJobPerShopAndDate() throws Exception {
        String runId = "jar-fanout";
        String out = run(
                "fanout",
                "dev.offerrecorder.fanout.FanoutHandler",
                "{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopRange\":{\"from\":1,\"to\":10},\"runId\":\""
                        + runId + "\"}",
                stack.fanoutEnv().values());
        JsonNode summary = Json.newMapper().readTree(output(out));
        assertEquals(10, summary.path("jobsEnqueued").asLong(), out);
        List<Message> jobs = drain(stack.url(stack.layout().jobQueue()));
        assertEquals(10, jobs.stream().filter(m -> m.body().contains(runId)).count(), jobs::toString);
    }

    @Test
    void workerRecordsAJobWithTheTokenFromSsm() throws Exception {
        try (FakeTokenService ssm = new FakeTokenService(
                        "AmazonSSM.GetParameter",
                        "{\"Parameter\":{\"Name\":\"/offer-recorder/api-token\",\"Type\":\"SecureString\","
                                + "\"Value\":\"ssm-token\",\"Version\":1}}");
                CalcApiSimulator api = new CalcApiSimulator(4, 4, 1, 0)) {
            api.requireToken("ssm-token");
            Map<String, String> env = stack.workerEnv(api.urlTemplate())
                    .with("CALC_API_TOKEN_PARAMETER", "/offer-recorder/api-token")
                    .with("AWS_ENDPOINT_URL_SSM", ssm.url())
                    .values();
            assertWorkerRecords("jar-ssm", env, api);
            // Read when the handler is built and again after the (probe's) SnapStart restore.
            assertEquals(2, ssm.calls().size(), "GetParameter at init and after restore");
            JsonNode request = Json.newMapper().readTree(ssm.calls().get(0));
            assertEquals("/offer-recorder/api-token", request.path("Name").asText());
            assertTrue(request.path("WithDecryption").asBoolean(), request.toString());
        }
    }

    @Test
    void workerRecordsAJobWithTheTokenFromSecretsManager() throws Exception {
        try (FakeTokenService secrets = new FakeTokenService(
                        "secretsmanager.GetSecretValue",
                        "{\"ARN\":\"arn:aws:secretsmanager:us-east-1:000000000000:secret:api-token-AbCdEf\","
                                + "\"Name\":\"api-token\",\"SecretString\":\"{\\\"token\\\":\\\"sm-token\\\"}\","
                                + "\"VersionId\":\"v1\"}");
                CalcApiSimulator api = new CalcApiSimulator(4, 4, 1, 0)) {
            api.requireToken("sm-token");
            Map<String, String> env = stack.workerEnv(api.urlTemplate())
                    .with("CALC_API_TOKEN_SECRET", "api-token")
                    .with("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.url())
                    .values();
            assertWorkerRecords("jar-secret", env, api);
            assertEquals(2, secrets.calls().size(), "GetSecretValue at init and after restore");
            assertEquals(
                    "api-token",
                    Json.newMapper()
                            .readTree(secrets.calls().get(0))
                            .path("SecretId")
                            .asText());
        }
    }

    @Test
    void workerFailsWithSsmsOwnErrorForAMissingParameter() throws Exception {
        try (FakeTokenService ssm = new FakeTokenService(
                        "AmazonSSM.GetParameter",
                        400,
                        "{\"__type\":\"ParameterNotFound\",\"message\":\"no parameter /offer-recorder/gone\"}");
                CalcApiSimulator api = new CalcApiSimulator(4, 4, 1, 0)) {
            Map<String, String> env = stack.workerEnv(api.urlTemplate())
                    .with("CALC_API_TOKEN_PARAMETER", "/offer-recorder/gone")
                    .with("AWS_ENDPOINT_URL_SSM", ssm.url())
                    .values();
            String job = new JobCodec().encode(new Job("jar-gone", "123", DATE));
            IllegalStateException failed = assertThrows(
                    IllegalStateException.class,
                    () -> run("worker", "dev.offerrecorder.worker.WorkerHandler", ColdStartBench.sqsEvent(job), env));
            // The modeled exception, built from the jar's classes: not a NoClassDefFoundError.
            assertTrue(failed.getMessage().contains("ParameterNotFoundException"), failed.getMessage());
            assertFalse(failed.getMessage().contains("NoClassDefFoundError"), failed.getMessage());
            assertEquals(0, api.stats().requests(), "no API call without a token");
        }
    }

    private void assertWorkerRecords(String runId, Map<String, String> env, CalcApiSimulator api) throws Exception {
        String job = new JobCodec().encode(new Job(runId, "123", DATE));
        String out = run("worker", "dev.offerrecorder.worker.WorkerHandler", ColdStartBench.sqsEvent(job), env);
        assertEquals(0, figures(out).path("failed").asInt(), out);
        assertEquals(0, api.unauthorizedAnswers(), "every API call carried the token");
        assertTrue(api.stats().requests() >= 1, "the API was called");
        List<S3Object> raw = stack.s3()
                .listObjectsV2(r -> r.bucket(stack.layout().rawBucket()).prefix("raw/dt=2024-01-01/run=" + runId + "/"))
                .contents();
        assertEquals(1, raw.size(), raw::toString);
        List<JsonNode> records = RawLogs.readAll(stack.s3(), stack.layout().rawBucket()).stream()
                .filter(r -> runId.equals(r.path("runId").asText()))
                .toList();
        assertEquals(1, records.size(), records::toString);
        assertEquals("OK", records.get(0).path("outcome").asText(), records::toString);
    }

    @Test
    void transformWritesParquetAndQuarantineAndCompactionMergesIt() throws Exception {
        String raw = stack.layout().rawBucket();
        String platform = stack.layout().platformBucket();
        String key = "raw/dt=2024-01-01/run=jar-transform/part-000000000000000000000001.jsonl.gz";
        String missing = "raw/dt=2024-01-01/run=jar-transform/part-000000000000000000000002.jsonl.gz";
        List<RawRecord> records = List.of(record("1"), record("2"), record("3"));
        // Three good lines and one that is not JSON: the quarantine's path runs from the jar too.
        stack.s3()
                .putObject(
                        r -> r.bucket(raw).key(key),
                        RequestBody.fromBytes(withLine(new RawLogCodec().encode(records), "not json")));
        List<Message> batch = List.of(notification("m-1", raw, key), notification("m-2", raw, missing));
        String event = LambdaRunner.sqsEventJson(batch, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
        Path work = Files.createDirectories(dir.resolve("work"));
        Map<String, String> env = stack.transformEnv(work).values();

        // The deployed entry point (template.yaml): the event read as JSON, the partial-batch response written.
        String out = run("transform", "dev.offerrecorder.transform.TransformStreamHandler", event, env);
        assertEquals(
                "{\"batchItemFailures\":[{\"itemIdentifier\":\"m-2\"}]}",
                output(out),
                "only the message of the missing object comes back (the SDK's NoSuchKey read from the jar): " + out);
        List<String> written = keys(platform, "offer_recordings/dt=2024-01-01/");
        assertFalse(written.isEmpty(), "no Parquet written: " + out);
        assertTrue(written.stream().allMatch(k -> k.endsWith(".parquet")), written::toString);
        assertEquals(1, keys(platform, "quarantine/").size(), "the bad line's quarantine file: " + out);

        // Compaction (same jar, its own function) over the marked partitions: reads the Parquet back, writes one
        // file for the day, clears the marker.
        String compacted =
                run("transform", "dev.offerrecorder.transform.CompactionHandler", "{\"upTo\":\"2024-01-01\"}", env);
        JsonNode result = Json.newMapper().readTree(output(compacted));
        assertEquals(1, result.path("partitions").size(), compacted);
        assertEquals(3, result.path("partitions").get(0).path("rowsOut").asLong(), compacted);
        List<String> after = keys(platform, "offer_recordings/dt=2024-01-01/");
        assertEquals(1, after.stream().filter(k -> k.endsWith(".parquet")).count(), after::toString);
    }

    /** An SQS message whose body is S3's notification of {@code key} (URL-encoded, as S3 sends it). */
    private static Message notification(String id, String bucket, String key) {
        String body = "{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"" + bucket + "\"},\"object\":{\"key\":\""
                + key.replace("=", "%3D") + "\"}}}]}";
        return Message.builder()
                .messageId(id)
                .receiptHandle("r-" + id)
                .md5OfBody("x")
                .body(body)
                .attributesWithStrings(Map.of("ApproximateReceiveCount", "1"))
                .build();
    }

    /** The gzip'd JSON lines {@code gz} with one more line. */
    private static byte[] withLine(byte[] gz, String line) throws IOException {
        byte[] text;
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            text = in.readAllBytes();
        }
        var out = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.GZIPOutputStream(out)) {
            zip.write(text);
            zip.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void replayListsTheDlqsMoveTasks() throws Exception {
        String out = run(
                "replay",
                "dev.offerrecorder.replay.ReplayHandler",
                "{\"action\":\"list\"}",
                stack.replayEnv().values());
        assertTrue(Json.newMapper().readTree(output(out)).isArray(), out);
    }

    private String run(String jar, String handler, String event, Map<String, String> env) throws Exception {
        Path eventFile = Files.writeString(Files.createTempFile(dir, "event", ".json"), event);
        Path root = Path.of("").toAbsolutePath();
        return ColdStartBench.launch(
                root,
                ColdStartBench.probeJdk(null, dir.resolve("no-jvms")),
                new ColdStartBench.Function(jar, handler, eventFile.toString(), env),
                "-Dprobe.prime=true",
                ColdStartBench.probeClasspath(root));
    }

    private static JsonNode figures(String out) throws IOException {
        String line = out.lines()
                .filter(l -> l.startsWith("COLDSTART "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no figures: " + out));
        return Json.newMapper().readTree(line.substring("COLDSTART ".length()));
    }

    private static String output(String out) {
        return out.lines()
                .filter(l -> l.startsWith("OUTPUT "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no handler output: " + out))
                .substring("OUTPUT ".length());
    }

    private static RawRecord record(String shop) {
        return new RawRecord(
                RawRecord.VERSION,
                "jar-transform",
                shop,
                DATE,
                "http://api/v1/shops/" + shop + "/offer?date=2024-01-01",
                200,
                Outcome.OK,
                5,
                1,
                CalcApiSimulator.body(shop, "2024-01-01"),
                Instant.parse("2024-01-02T00:00:00Z"),
                "m-" + shop,
                null);
    }

    private static List<String> keys(String bucket, String prefix) {
        return stack.s3().listObjectsV2(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .toList();
    }

    private static List<Message> drain(String queueUrl) {
        List<Message> all = new java.util.ArrayList<>();
        while (true) {
            List<Message> batch = stack.sqs()
                    .receiveMessage(
                            r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (batch.isEmpty()) {
                return all;
            }
            all.addAll(batch);
            batch.forEach(
                    m -> stack.sqs().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())));
        }
    }

    /**
     * A loopback stand-in for one AWS JSON-protocol operation (SSM's or Secrets Manager's): answers requests whose
     * {@code X-Amz-Target} names it with a canned reply, anything else with 400, and keeps the request bodies.
     */
    static final class FakeTokenService implements AutoCloseable {
        private final HttpServer server;
        private final List<String> calls = new CopyOnWriteArrayList<>();

        FakeTokenService(String target, String reply) throws IOException {
            this(target, 200, reply);
        }

        FakeTokenService(String target, int status, String reply) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                boolean signed = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))
                        .startsWith("AWS4-HMAC-SHA256 ");
                boolean ours = target.equals(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
                if (ours && signed) {
                    calls.add(new String(body, StandardCharsets.UTF_8));
                }
                byte[] answer = (ours && signed
                                ? reply
                                : "{\"__type\":\"ValidationException\",\"message\":\"not " + target + " or unsigned\"}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(ours && signed ? status : 400, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        List<String> calls() {
            return calls;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
