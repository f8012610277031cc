package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.testkit.aws.EmbeddedAws;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.support.Table;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * LocalStack itself, started with localstack/init/ready.d/create-stack.sh as docker-compose.yml mounts it: the
 * script succeeds, the queues it creates carry template.yaml's attributes, the raw bucket notifies the transform
 * queue of raw logs only, and a backfill runs end to end on LocalStack through EmbeddedAws's external endpoint.
 *
 * <p>Needs a Docker engine, so only {@code -Plocalstack-container} runs it; then a missing engine is a failure.
 * {@code -Dlocalstack.image=...} (and {@code LOCALSTACK_AUTH_TOKEN} in the environment) for another image.
 */
@Tag("localstack-container")
class LocalStackContainerTest {
    /** The last LocalStack tag that starts without an auth token; keep in step with docker-compose.yml. */
    static final String DEFAULT_IMAGE = "localstack/localstack:4.14.0";

    private static final CfnTemplate TEMPLATE = CfnTemplate.load();
    private static LocalStackContainer localstack;
    private static SqsClient sqs;
    private static S3Client s3;

    @BeforeAll
    static void startLocalStack() throws Exception {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("LocalStackContainerTest needs a Docker engine and found none (it runs"
                    + " only with -Plocalstack-container): start Docker, or drop the profile");
        }
        String image = System.getProperty("localstack.image", DEFAULT_IMAGE);
        localstack = new LocalStackContainer(
                        DockerImageName.parse(image).asCompatibleSubstituteFor("localstack/localstack"))
                .withServices("sqs", "s3")
                .withEnv("SQS_ENDPOINT_STRATEGY", "path")
                .withEnv("AWS_DEFAULT_REGION", EmbeddedAws.REGION)
                .withCopyFileToContainer(
                        MountableFile.forHostPath(
                                CfnTemplate.repoRoot().resolve(LocalStackInitScriptTest.SCRIPT), 0755),
                        "/etc/localstack/init/ready.d/create-stack.sh");
        String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
        if (token != null && !token.isBlank()) {
            localstack.withEnv("LOCALSTACK_AUTH_TOKEN", token);
        }
        localstack.start();
        awaitInitScript();
        EmbeddedAws.external(localstack.getEndpoint(), localstack.getEndpoint()); // local credentials and region
        Env env = new Env(Map.of(
                "AWS_REGION",
                EmbeddedAws.REGION,
                "AWS_ENDPOINT_URL",
                localstack.getEndpoint().toString()));
        sqs = AwsClients.sqs(env);
        s3 = AwsClients.s3(env);
    }

    /** LocalStack reports its init scripts at /_localstack/init/ready; "Ready." in the log comes before they run. */
    private static void awaitInitScript() throws Exception {
        URI status = localstack.getEndpoint().resolve("/_localstack/init/ready");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                String body = http.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString())
                        .body();
                JsonNode json = new ObjectMapper().readTree(body);
                if (json.path("completed").asBoolean()) {
                    for (JsonNode script : json.path("scripts")) {
                        assertEquals("SUCCESSFUL", script.path("state").asText(), script + "\n" + localstack.getLogs());
                    }
                    assertTrue(body.contains("create-stack.sh"), body);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "init scripts not done after 2 min: " + body + "\n" + localstack.getLogs());
                }
                Thread.sleep(500);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (sqs != null) {
            sqs.close();
            s3.close();
        }
        if (localstack != null) {
            localstack.stop();
        }
    }

    @Test
    void theInitScriptCreatesTheTemplatesQueuesAndBuckets() throws Exception {
        StackLayout local = StackLayout.local();
        Map<String, String> queueIds = Map.of(
                "JobQueue", local.jobQueue(),
                "FanoutQueue", local.fanoutQueue(),
                "TransformQueue", local.transformQueue());
        for (var e : queueIds.entrySet()) {
            Map<String, Object> declared = TEMPLATE.properties(e.getKey());
            Map<QueueAttributeName, String> created = attributes(e.getValue());
            assertEquals(
                    String.valueOf(declared.get("VisibilityTimeout")),
                    created.get(QueueAttributeName.VISIBILITY_TIMEOUT),
                    e.getValue());
            assertEquals(
                    String.valueOf(declared.get("MessageRetentionPeriod")),
                    created.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD),
                    e.getValue());
            JsonNode redrive = new ObjectMapper().readTree(created.get(QueueAttributeName.REDRIVE_POLICY));
            assertEquals(
                    String.valueOf(Cfn.map(declared.get("RedrivePolicy")).get("maxReceiveCount")),
                    redrive.path("maxReceiveCount").asText(),
                    e.getValue());
            String dlqArn = attributes(e.getValue() + "-dlq").get(QueueAttributeName.QUEUE_ARN);
            assertEquals(dlqArn, redrive.path("deadLetterTargetArn").asText(), e.getValue());
        }
        assertEquals(
                String.valueOf(local.dlqRetention().toSeconds()),
                attributes(local.jobDlq()).get(QueueAttributeName.MESSAGE_RETENTION_PERIOD));
        s3.headBucket(r -> r.bucket(local.platformBucket()));
        s3.headObject(r -> r.bucket(local.rawBucket()).key("manifests/shops.csv"));
    }

    @Test
    void rawLogsAndOnlyRawLogsNotifyTheTransformQueue() {
        StackLayout local = StackLayout.local();
        String rawLog = "raw/dt=2024-01-01/run=localstack/part-000.jsonl.gz";
        String notRaw = "raw/dt=2024-01-01/run=localstack/notes.txt";
        s3.putObject(r -> r.bucket(local.rawBucket()).key(notRaw), RequestBody.fromString("x"));
        s3.putObject(r -> r.bucket(local.rawBucket()).key(rawLog), RequestBody.fromBytes(new byte[] {1}));
        String url = sqs.getQueueUrl(r -> r.queueName(local.transformQueue())).queueUrl();
        List<String> bodies = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (bodies.stream().noneMatch(b -> b.contains("part-000.jsonl.gz")) && System.nanoTime() < deadline) {
            for (Message m : sqs.receiveMessage(
                            r -> r.queueUrl(url).waitTimeSeconds(2).maxNumberOfMessages(10))
                    .messages()) {
                bodies.add(m.body());
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        assertTrue(bodies.stream().anyMatch(b -> b.contains("part-000.jsonl.gz")), "no notification: " + bodies);
        assertTrue(bodies.stream().noneMatch(b -> b.contains("notes.txt")), "a non-log notified: " + bodies);
    }

    @Test
    void aBackfillRunsEndToEndOnLocalStack(@TempDir Path dir) throws Exception {
        System.setProperty(
                EmbeddedAws.ENDPOINT_PROPERTY, localstack.getEndpoint().toString());
        try (LocalPipeline pipeline =
                LocalPipeline.start(PipelineOptions.defaults(dir).withApi(8, 16, 1, 0.0))) {
            assertTrue(pipeline.stack().aws().external());
            pipeline.invokeFanout("{\"from\":\"2024-03-01\",\"to\":\"2024-03-02\",\"shopRange\":{\"from\":1,"
                    + "\"to\":20},\"runId\":\"localstack\"}");
            pipeline.awaitQuiet(Duration.ofMinutes(3), p -> {});
            var rows = Table.query(
                    pipeline.tableDir(),
                    "SELECT count(*) AS n, count(DISTINCT shop_id || '|' || CAST(target_date AS VARCHAR)) AS jobs"
                            + " FROM {table} WHERE run_id = 'localstack'");
            assertEquals(40L, ((Number) rows.getFirst().get("jobs")).longValue(), String.valueOf(rows));
            assertEquals(40L, ((Number) rows.getFirst().get("n")).longValue(), String.valueOf(rows));
        } finally {
            System.clearProperty(EmbeddedAws.ENDPOINT_PROPERTY);
        }
    }

    private static Map<QueueAttributeName, String> attributes(String queueName) {
        String url = sqs.getQueueUrl(r -> r.queueName(queueName)).queueUrl();
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.ALL))
                .attributes();
    }
}
