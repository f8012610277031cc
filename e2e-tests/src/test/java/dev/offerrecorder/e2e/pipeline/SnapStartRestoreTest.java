package dev.offerrecorder.e2e.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.replay.ReplayHandler;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.runner.LocalContext;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.support.RepoFiles;
import dev.offerrecorder.transform.TransformHandler;
import dev.offerrecorder.worker.WorkerHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.crac.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SnapStart: every handler is a CRaC resource. Built against a fresh embedded stack, each runs its priming
 * hooks (beforeCheckpoint, then afterRestore, as Lambda does around the snapshot) and must then handle its
 * sample event correctly: nothing the priming touched may leave the restored handler broken.
 */
class SnapStartRestoreTest {
    @TempDir
    Path dir;

    private static void checkpointAndRestore(Object handler) throws Exception {
        assertTrue(handler instanceof Resource, handler.getClass() + " must be a CRaC resource for SnapStart");
        Resource r = (Resource) handler;
        r.beforeCheckpoint(null);
        r.afterRestore(null);
    }

    @Test
    void restoredHandlersWork() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local());
                CalcApiSimulator api = new CalcApiSimulator(4, 8, 1, 0)) {
            var mapper = Json.newMapper();
            var sqsEvents = LambdaEventSerializers.serializerFor(
                    SQSEvent.class, getClass().getClassLoader());

            var worker = new WorkerHandler(stack.workerEnv(api.urlTemplate()));
            checkpointAndRestore(worker);
            var response = worker.handleRequest(
                    sqsEvents.fromJson(RepoFiles.event(stack.layout(), "worker-sqs.json")),
                    new LocalContext("worker", 60_000, 1024));
            assertEquals(1, response.getBatchItemFailures().size(), "only the sample's bad message fails");
            assertEquals(2, api.stats().requests(), "the restored worker called the API for both jobs");

            var fanout = new FanoutHandler(stack.fanoutEnv());
            checkpointAndRestore(fanout);
            JsonNode summary = mapper.readTree(LambdaRunner.invokeDirect(
                    fanout, "fanout", RepoFiles.event(stack.layout(), "backfill.json"), Duration.ofMinutes(1)));
            assertEquals(33, summary.path("jobsEnqueued").asLong(), summary.toString());

            var transform = new TransformHandler(stack.transformEnv(Files.createDirectories(dir.resolve("work"))));
            checkpointAndRestore(transform);
            String rawKey = stack.s3()
                    .listObjectsV2(r -> r.bucket(stack.layout().rawBucket()).prefix("raw/"))
                    .contents()
                    .getFirst()
                    .key();
            String notification = "{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\""
                    + stack.layout().rawBucket() + "\"},\"object\":{\"key\":\"" + rawKey + "\"}}}]}";
            SQSEvent event = new SQSEvent();
            var message = new SQSEvent.SQSMessage();
            message.setMessageId("t-1");
            message.setBody(notification);
            event.setRecords(java.util.List.of(message));
            assertEquals(
                    0,
                    transform
                            .handleRequest(event, new LocalContext("transform", 60_000, 1024))
                            .getBatchItemFailures()
                            .size());
            assertEquals(
                    1,
                    stack.s3()
                            .listObjectsV2(r ->
                                    r.bucket(stack.layout().platformBucket()).prefix("offer_recordings/"))
                            .contents()
                            .size(),
                    "the restored transform wrote Parquet");

            var replay = new ReplayHandler(stack.replayEnv());
            checkpointAndRestore(replay);
            JsonNode list = mapper.readTree(LambdaRunner.invokeDirect(
                    replay, "replay", RepoFiles.event(stack.layout(), "replay-list.json"), Duration.ofMinutes(1)));
            assertTrue(list.isArray() || list.isObject(), list.toString());
        }
    }
}
