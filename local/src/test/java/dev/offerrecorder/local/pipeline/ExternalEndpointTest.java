package dev.offerrecorder.local.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.testkit.aws.EmbeddedAws;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.support.Table;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code localstack} profile's path without Docker: the stand-ins are started here as "a service elsewhere"
 * on their own ports, and the stack is pointed at them through the same system properties the profile sets for
 * LocalStack. Names get a suffix per stack, and the table is read through a download, not S3Proxy's files.
 */
class ExternalEndpointTest {
    @TempDir
    Path dir;

    @Test
    void aPipelineRunsOnAnExternalEndpointWithItsOwnNames() throws Exception {
        try (EmbeddedAws host = EmbeddedAws.start(dir.resolve("host"))) {
            System.setProperty(
                    EmbeddedAws.SQS_ENDPOINT_PROPERTY, host.sqsEndpoint().toString());
            System.setProperty(
                    EmbeddedAws.S3_ENDPOINT_PROPERTY, host.s3Endpoint().toString());
            try (EmbeddedStack a = EmbeddedStack.start(dir.resolve("a"), StackLayout.local());
                    EmbeddedStack b = EmbeddedStack.start(dir.resolve("b"), StackLayout.local())) {
                assertTrue(a.aws().external() && a.aws().s3Dir().isEmpty());
                assertNotEquals(a.layout().jobQueue(), b.layout().jobQueue(), "two stacks never share a queue");
                assertTrue(
                        a.layout().jobQueue().startsWith("offer-recorder-"),
                        a.layout().jobQueue());
                a.sqs().sendMessage(r -> r.queueUrl(a.url(a.layout().jobQueue()))
                        .messageBody("x"));
                assertEquals(1, a.depth(a.layout().jobQueue()).total());
                assertEquals(0, b.depth(b.layout().jobQueue()).total());
            }

            var options = PipelineOptions.defaults(dir.resolve("pipeline")).withApi(8, 16, 1, 0.0);
            try (LocalPipeline pipeline = LocalPipeline.start(options)) {
                assertTrue(pipeline.stack().aws().external());
                pipeline.invokeFanout("{\"from\":\"2024-03-01\",\"to\":\"2024-03-02\",\"shopRange\":{\"from\":1,"
                        + "\"to\":20},\"runId\":\"external\"}");
                pipeline.awaitQuiet(Duration.ofMinutes(2), p -> {});
                Path table = pipeline.tableDir();
                assertTrue(!table.startsWith(dir.resolve("host")), "read from a download: " + table);
                var rows = Table.query(
                        table,
                        "SELECT count(*) AS n, count(DISTINCT shop_id || '|' || "
                                + "CAST(target_date AS VARCHAR)) AS jobs FROM {table} WHERE run_id = 'external'");
                assertEquals(40L, ((Number) rows.getFirst().get("n")).longValue());
                assertEquals(40L, ((Number) rows.getFirst().get("jobs")).longValue());
            }
        } finally {
            System.clearProperty(EmbeddedAws.SQS_ENDPOINT_PROPERTY);
            System.clearProperty(EmbeddedAws.S3_ENDPOINT_PROPERTY);
        }
    }
}
