package dev.offerrecorder.e2e.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.fanout.FanoutService;
import dev.offerrecorder.fanout.SliceHandler;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.trace.RecordingTracing;
import dev.offerrecorder.shared.trace.TraceHeaders;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.runner.SqsEventSource;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.worker.WorkerHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The fan-out's half of the distributed trace, against the embedded SQS and S3 and the simulator over HTTP: a
 * backfill's context rides the slice messages into each slice invocation, the job messages into the worker, and
 * the worker's calls into the API, so the API sees every call under the backfill's trace. The recording port
 * stands in for New Relic; each invocation gets its own, as each Lambda invocation is its own transaction.
 */
@WithEmbeddedStack
class FanoutTracingTest {
    static final String BACKFILL_TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String SLICE_TRACE = "22222222222222222222222222222222";
    static final String WORKER_TRACE = "11111111111111111111111111111111";

    static EmbeddedStack stack;

    @BeforeEach
    void purge() {
        for (String q : List.of(stack.layout().jobQueue(), stack.layout().fanoutQueue())) {
            stack.sqs().purgeQueue(r -> r.queueUrl(stack.url(q)));
        }
    }

    private static JsonNode invoke(FanoutHandler handler, String json) throws Exception {
        return Json.newMapper().readTree(LambdaRunner.invokeDirect(handler, "fanout", json, Duration.ofMinutes(1)));
    }

    private List<Message> receiveAll(String queue) {
        List<Message> out = new ArrayList<>();
        for (int empty = 0; empty < 2; ) {
            List<Message> got = stack.sqs()
                    .receiveMessage(r -> r.queueUrl(stack.url(queue))
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(600)
                            .messageAttributeNames("All"))
                    .messages();
            empty = got.isEmpty() ? empty + 1 : 0;
            out.addAll(got);
        }
        return out;
    }

    private static Map<String, String> trace(Message m) {
        Map<String, String> out = new HashMap<>();
        m.messageAttributes().forEach((k, v) -> out.put(k, v.stringValue()));
        return TraceHeaders.pick(out);
    }

    @Test
    void aBackfillsTraceReachesTheApiThroughSlicesJobsAndTheWorker() throws Exception {
        Env env = stack.fanoutEnv().with("SLICE_MAX_JOBS", "20");
        var plan = new RecordingTracing(BACKFILL_TRACE);
        JsonNode summary = invoke(
                new FanoutHandler(env, plan),
                "{\"from\":\"2024-02-01\",\"to\":\"2024-02-02\","
                        + "\"shopRange\":{\"from\":1,\"to\":30},\"runId\":\"tr-fan\"}");
        assertEquals("sliced", summary.path("status").asText(), summary.toString());
        int slices = summary.path("slices").asInt();
        assertTrue(slices >= 3, summary.toString());

        // The plan: one sendSlices segment whose context is on every slice message.
        var sendSlices = plan.segments("SQS/sendSlices");
        assertEquals(1, sendSlices.size());
        assertTrue(sendSlices.getFirst().bound() && sendSlices.getFirst().ended());
        assertEquals(slices, sendSlices.getFirst().attributes().get("slices"));
        Map<String, String> planContext = plan.inserted().getFirst().headers();
        assertEquals(sendSlices.getFirst().spanId(), plan.inserted().getFirst().spanId());
        RecordingTracing.Event planEvent = plan.events().getFirst();
        assertEquals(FanoutService.EVENT_TYPE, planEvent.type());
        assertEquals(1, plan.events().size());
        assertEquals("plan", planEvent.attributes().get("phase"));
        assertEquals("sliced", planEvent.attributes().get("status"));
        assertEquals(60L, planEvent.attributes().get("jobsPlanned"));
        assertEquals("tr-fan", plan.attributes().get("runId"));
        assertEquals("2024-02-01..2024-02-02", plan.attributes().get("targetDate"));

        // Each slice invocation: a fresh transaction that accepts the plan's context and passes it on to its jobs.
        List<Message> sliceMessages = receiveAll(stack.layout().fanoutQueue());
        assertEquals(slices, sliceMessages.size());
        long enqueued = 0;
        Set<String> sendJobsContexts = new HashSet<>();
        String fanoutArn = stack.arn(stack.url(stack.layout().fanoutQueue()));
        for (Message m : sliceMessages) {
            assertEquals(planContext, trace(m), "the slice message carries the plan's context");
            var slice = new RecordingTracing(SLICE_TRACE);
            LambdaRunner.invokeSqs(
                    new SliceHandler(env, slice),
                    "fanout-slices",
                    LambdaRunner.sqsEventJson(List.of(m), fanoutArn, "us-east-1"),
                    Duration.ofMinutes(1));
            assertEquals(1, slice.accepted().size());
            assertTrue(slice.accepted().getFirst().tookEffect());
            assertEquals(BACKFILL_TRACE, slice.traceId(), "the slice continues the backfill's trace");
            assertEquals(BACKFILL_TRACE, slice.attributes().get("trace.parentTraceId"));
            var sendJobs = slice.segments("SQS/sendJobs");
            assertEquals(1, sendJobs.size());
            assertTrue(sendJobs.getFirst().bound() && sendJobs.getFirst().ended());
            sendJobsContexts.add(
                    "00-" + BACKFILL_TRACE + "-" + sendJobs.getFirst().spanId() + "-01");
            RecordingTracing.Event event = slice.events().getFirst();
            assertEquals("slice", event.attributes().get("phase"));
            assertEquals("done", event.attributes().get("status"));
            assertEquals(
                    sendJobs.getFirst().attributes().get("jobs"),
                    event.attributes().get("jobsEnqueued"));
            enqueued += (Long) event.attributes().get("jobsEnqueued");
            assertEquals(0, slice.unboundCalls(), "no tracing call from the publisher's pool threads");
        }
        assertEquals(60, enqueued);

        // Every job message carries the backfill's trace with a slice's sendJobs segment as parent.
        Map<String, String> jobContexts = new HashMap<>();
        for (Message m : receiveAll(stack.layout().jobQueue())) {
            Map<String, String> context = trace(m);
            assertEquals(TraceHeaders.NAMES, context.keySet(), m.body());
            assertTrue(sendJobsContexts.contains(context.get("traceparent")), "parent: a sendJobs segment");
            jobContexts.put(m.body(), context.get("traceparent"));
        }
        assertEquals(60, jobContexts.size());
        stack.sqs().purgeQueue(r -> r.queueUrl(stack.url(stack.layout().jobQueue())));

        // Re-enqueue as sent and let the worker take them: the API sees every call under the backfill's trace.
        var worker = new RecordingTracing(WORKER_TRACE);
        requeueJobs(jobContexts);
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            Env workerEnv = stack.workerEnv(api.urlTemplate());
            try (var runner = new LambdaRunner(stack.sqs(), "us-east-1")) {
                String queue = stack.url(stack.layout().jobQueue());
                runner.start(new SqsEventSource(
                        "worker",
                        queue,
                        stack.arn(queue),
                        100,
                        Duration.ofMillis(500),
                        1,
                        Duration.ofMinutes(1),
                        () -> new WorkerHandler(workerEnv, worker)));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!(stack.depth(stack.layout().jobQueue()).total() == 0 && runner.idle())) {
                    assertTrue(System.nanoTime() < deadline, "jobs still queued after 60 s");
                    Thread.sleep(100);
                }
                assertEquals(0, runner.handlerErrors());
            }
            assertEquals(
                    Map.of(BACKFILL_TRACE, api.stats().requests()),
                    api.callsPerTraceId(),
                    "every API call joined the backfill's trace");
            assertTrue(api.stats().requests() >= 60);
        }
        assertFalse(worker.accepted().isEmpty());
        assertTrue(worker.accepted().stream()
                .allMatch(a -> TraceHeaders.traceId(a.headers()).orElseThrow().equals(BACKFILL_TRACE)));
    }

    /** Sends the jobs again with the attributes they carried, as the fan-out sent them. */
    private void requeueJobs(Map<String, String> traceparentByBody) {
        String queue = stack.url(stack.layout().jobQueue());
        List<Map.Entry<String, String>> all = new ArrayList<>(traceparentByBody.entrySet());
        for (int i = 0; i < all.size(); i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (var e : all.subList(i, Math.min(all.size(), i + 10))) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id("e" + entries.size())
                        .messageBody(e.getKey())
                        .messageAttributes(Map.of(
                                "traceparent",
                                MessageAttributeValue.builder()
                                        .dataType("String")
                                        .stringValue(e.getValue())
                                        .build()))
                        .build());
            }
            assertTrue(stack.sqs()
                    .sendMessageBatch(r -> r.queueUrl(queue).entries(entries))
                    .failed()
                    .isEmpty());
        }
    }

    @Test
    void aManifestReadIsASegmentAndASingleSliceRunPutsItsContextOnEveryJob() throws Exception {
        String bucket = stack.layout().rawBucket();
        stack.s3()
                .putObject(
                        r -> r.bucket(bucket).key("manifests/tr.csv"),
                        RequestBody.fromString("shop_id\nA1\nA2\nA3\nA1\n"));
        var tracing = new RecordingTracing(BACKFILL_TRACE);
        JsonNode summary = invoke(
                new FanoutHandler(stack.fanoutEnv(), tracing),
                "{\"from\":\"2024-03-01\"," + "\"to\":\"2024-03-02\",\"manifest\":\"s3://" + bucket
                        + "/manifests/tr.csv\",\"runId\":\"tr-man\"}");
        assertEquals("done", summary.path("status").asText(), summary.toString());
        assertEquals(6, summary.path("jobsEnqueued").asLong());

        var reads = tracing.segments("S3/readManifest");
        assertFalse(reads.isEmpty());
        var first = reads.getFirst();
        assertTrue(first.bound() && first.ended());
        assertEquals("s3://" + bucket + "/manifests/tr.csv", first.attributes().get("uri"));
        assertEquals(false, first.attributes().get("cached"));
        assertEquals(3, first.attributes().get("ids"));
        assertEquals(1L, first.attributes().get("badRows"), "the duplicate row");

        var sendJobs = tracing.segments("SQS/sendJobs");
        assertEquals(1, sendJobs.size());
        assertEquals(6L, sendJobs.getFirst().attributes().get("jobs"));
        assertEquals(1L, sendJobs.getFirst().attributes().get("batches"));
        assertTrue(tracing.segments("SQS/sendSlices").isEmpty(), "one slice runs in the planning invocation");
        String expected = "00-" + BACKFILL_TRACE + "-" + sendJobs.getFirst().spanId() + "-01";
        List<Message> jobs = receiveAll(stack.layout().jobQueue());
        assertEquals(6, jobs.size());
        assertTrue(
                jobs.stream().allMatch(m -> expected.equals(trace(m).get("traceparent"))),
                "each job's parent is the sendJobs segment");
        assertEquals(6L, tracing.events().getFirst().attributes().get("jobsEnqueued"));
        assertEquals(1L, tracing.events().getFirst().attributes().get("badRows"));
    }
}
