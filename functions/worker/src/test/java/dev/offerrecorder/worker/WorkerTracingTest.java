package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.RecordingTracing;
import dev.offerrecorder.shared.trace.TraceHeaders;
import dev.offerrecorder.shared.trace.Tracing;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.runner.SqsEventSource;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import dev.offerrecorder.testkit.support.RawLogs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The worker's tracing against the simulator over real HTTP, the embedded S3 and (for the SQS trip) the embedded
 * SQS driven by the Lambda runner: the recording port stands in for New Relic, which cannot run here.
 */
@WithEmbeddedStack
class WorkerTracingTest {
    static final String FANOUT_TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String OTHER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String WORKER_TRACE = "11111111111111111111111111111111";

    static EmbeddedStack stack;
    final JobCodec codec = new JobCodec();

    private Env env(CalcApiSimulator api) {
        return stack.workerEnv(api.urlTemplate())
                .with("API_BACKOFF_BASE_MS", "5")
                .with("API_BACKOFF_MAX_MS", "20")
                .with("API_CALL_TIMEOUT_MS", "2000")
                .with("WRITE_RESERVE_MS", "500")
                .with("API_MAX_ATTEMPTS", "2");
    }

    private WorkerService service(CalcApiSimulator api, Tracing tracing) {
        return WorkerService.create(WorkerConfig.from(env(api)), stack.s3(), Optional.empty(), quietLog(), tracing);
    }

    private static JsonLog quietLog() {
        return new JsonLog("trace-test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private List<JobMessage> messages(String runId, int shops, LocalDate date, Map<String, String> attributes) {
        List<JobMessage> out = new ArrayList<>();
        for (int s = 1; s <= shops; s++) {
            out.add(new JobMessage(
                    "m-" + runId + "-" + s, codec.encode(new Job(runId, Integer.toString(s), date)), attributes));
        }
        return out;
    }

    private static Map<String, String> context(String traceId, String spanId) {
        return Map.of("traceparent", "00-" + traceId + "-" + spanId + "-01", "tracestate", "1@nr=0-0-1-2-" + spanId);
    }

    @Test
    void everyApiAttemptIsASegmentWhoseHeadersTheApiReceives() throws Exception {
        var tracing = new RecordingTracing(WORKER_TRACE);
        try (var api = new CalcApiSimulator(4, 16, 2, 0)) {
            // Messages without context: whatever trace headers reach the API come from the worker's segments.
            api.setFaults(SimulatorFaults.none().withFailingShops(Set.of("3")));
            BatchResult r = service(api, tracing)
                    .process(messages("tr-seg", 8, LocalDate.of(2024, 6, 1), Map.of()), () -> 600_000);

            long requests = api.stats().requests();
            assertEquals(7 + 2, requests, "7 jobs once, shop 3 twice (API_MAX_ATTEMPTS=2)");
            assertEquals(requests, api.stats().withTraceHeaders(), "every API call carried trace headers");

            List<RecordingTracing.SegmentRecord> calls = tracing.segments("CalcApi/call");
            assertEquals(requests, calls.size(), "one segment per HTTP attempt");
            assertTrue(calls.stream().allMatch(s -> s.bound() && s.ended()), "linked to the transaction and ended");
            assertEquals(0, tracing.unboundCalls(), "no work on a thread the transaction was not handed to");
            Map<String, RecordingTracing.SegmentRecord> byId = tracing.segmentsById();
            for (RecordingTracing.Inserted inserted : tracing.inserted()) {
                assertEquals("CalcApi/call", byId.get(inserted.spanId()).name(), "headers come from the call segment");
                assertEquals(
                        "00-" + WORKER_TRACE + "-" + inserted.spanId() + "-01",
                        inserted.headers().get("traceparent"));
            }
            assertEquals(requests, tracing.inserted().size());
            assertEquals(8, tracing.segments("Worker/job").size(), "each job's virtual thread joined the transaction");
            assertEquals(8 + 1, tracing.handoffs(), "one per job, one for the API observations' write");
            assertEquals(
                    1,
                    tracing.segments("Worker/apiObservations").size(),
                    "the observations' write, beside the raw log's, joined the transaction too");
            RecordingTracing.SegmentRecord failedCall = calls.stream()
                    .filter(s -> "3".equals(s.attributes().get("shopId")))
                    .findFirst()
                    .orElseThrow();
            assertEquals("HTTP 500", failedCall.attributes().get("error"));
            assertEquals(500, failedCall.httpStatus());
            assertTrue(failedCall.httpUri().toString().contains("/v1/shops/3/offer?date=2024-06-01"));
            assertTrue(calls.stream().allMatch(s -> s.attributes().containsKey("gateWaitMs")));

            var writes = tracing.segments("S3/putRawLog");
            assertEquals(1, writes.size());
            assertEquals(
                    r.bytesWritten(), ((Number) writes.getFirst().attributes().get("bytes")).longValue());
            assertEquals(7, writes.getFirst().attributes().get("jobs"));

            Map<String, Object> attributes = tracing.attributes();
            assertEquals("tr-seg", attributes.get("runId"));
            assertEquals("2024-06-01", attributes.get("targetDate"));
            assertEquals(8, attributes.get("batchSize"));
            assertEquals(7, attributes.get("jobsOk"));
            assertEquals(1, attributes.get("jobsFailed"));
            assertEquals(r.concurrencyLimit(), attributes.get("concurrencyLimit"));
            assertEquals(0, attributes.get("trace.carriers"));

            // One batch event per invocation, and one API observation per run it worked for (here one).
            assertEquals(
                    List.of(WorkerService.API_EVENT_TYPE, WorkerService.EVENT_TYPE),
                    tracing.events().stream().map(RecordingTracing.Event::type).toList());
            RecordingTracing.Event event = tracing.events().getLast();
            assertEquals(9, tracing.events().getFirst().attributes().get("calls"), "every attempt, as apiCalls");
            assertEquals(r.eventAttributes(), event.attributes());
            assertEquals(7, event.attributes().get("jobsRecorded"));
            assertEquals(9, event.attributes().get("apiCalls"));
            assertEquals(2, event.attributes().get("apiErrors"));
            assertEquals(1, event.attributes().get("retries"));
            assertEquals(7, event.attributes().get("outcome.OK"));
            assertEquals(1, event.attributes().get("failed.retries_exhausted"));
            assertTrue(((Number) event.attributes().get("latencyP95Ms")).longValue()
                    >= ((Number) event.attributes().get("latencyP50Ms")).longValue());
        }
    }

    @Test
    void aMixedBatchContinuesTheFirstTraceAndNamesTheOthersOnEachCall() throws Exception {
        var tracing = new RecordingTracing(WORKER_TRACE);
        try (var api = new CalcApiSimulator(4, 16, 1, 0)) {
            List<JobMessage> batch = new ArrayList<>(
                    messages("tr-mix-a", 3, LocalDate.of(2024, 6, 2), context(FANOUT_TRACE, "00000000000000a1")));
            batch.addAll(messages("tr-mix-b", 2, LocalDate.of(2024, 6, 3), context(OTHER_TRACE, "00000000000000b1")));
            service(api, tracing).process(batch, () -> 600_000);

            assertEquals(1, tracing.accepted().size(), "one parent per transaction");
            assertEquals(
                    context(FANOUT_TRACE, "00000000000000a1"),
                    tracing.accepted().getFirst().headers());
            assertEquals(FANOUT_TRACE, tracing.traceId());
            assertEquals(FANOUT_TRACE, tracing.attributes().get("trace.parentTraceId"));
            assertEquals(OTHER_TRACE, tracing.attributes().get("trace.otherTraceIds"));
            assertEquals(5, tracing.attributes().get("trace.carriers"));
            assertEquals("tr-mix-a,tr-mix-b", tracing.attributes().get("runId"));
            assertEquals("2024-06-02,2024-06-03", tracing.attributes().get("targetDate"));

            Map<String, String> jobTrace = tracing.segments("CalcApi/call").stream()
                    .collect(Collectors.toMap(
                            s -> (String) s.attributes().get("runId") + "/"
                                    + s.attributes().get("shopId"),
                            s -> (String) s.attributes().get("job.traceId")));
            assertEquals(OTHER_TRACE, jobTrace.get("tr-mix-b/1"), "a job from the other trace says so on its span");
            assertEquals(FANOUT_TRACE, jobTrace.get("tr-mix-a/1"));
            assertTrue(
                    tracing.inserted().stream()
                            .allMatch(i -> i.headers().get("traceparent").startsWith("00-" + FANOUT_TRACE + "-")),
                    "the API continues the parent trace");
            assertEquals(5, api.stats().withTraceHeaders());
        }
    }

    @Test
    void withoutAnAgentTheMessagesOwnContextStillReachesTheApi() throws Exception {
        try (var api = new CalcApiSimulator(4, 16, 1, 0)) {
            // New Relic's no-op inserts nothing, so the worker forwards what the fan-out put on each message.
            var service = service(api, new NewRelicTracing());
            BatchResult r = service.process(
                    messages("tr-noagent", 4, LocalDate.of(2024, 6, 4), context(FANOUT_TRACE, "00000000000000a1")),
                    () -> 600_000);
            assertEquals(4, r.jobsRecorded());
            assertEquals(4, api.stats().withTraceHeaders());

            service.process(messages("tr-noagent-bare", 3, LocalDate.of(2024, 6, 4), Map.of()), () -> 600_000);
            assertEquals(7, api.stats().requests());
            assertEquals(4, api.stats().withTraceHeaders(), "no context in, no agent: nothing invented");
        }
    }

    @Test
    void aJobsTraceContextSurvivesTheTripThroughSqs() throws Exception {
        // The fan-out side: the headers its port inserts go on each job message as String attributes.
        var fanout = new RecordingTracing(FANOUT_TRACE);
        Map<String, String> sent = fanout.insertHeaders();
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        sent.forEach((k, v) -> attributes.put(
                k,
                MessageAttributeValue.builder()
                        .dataType("String")
                        .stringValue(v)
                        .build()));
        String queue = stack.url(stack.layout().jobQueue());
        LocalDate date = LocalDate.of(2024, 6, 5);
        int jobs = 12;
        for (int first = 1; first <= jobs; first += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int s = first; s < Math.min(jobs + 1, first + 10); s++) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id("j" + s)
                        .messageBody(codec.encode(new Job("tr-sqs", Integer.toString(s), date)))
                        .messageAttributes(attributes)
                        .build());
            }
            assertTrue(stack.sqs()
                    .sendMessageBatch(b -> b.queueUrl(queue).entries(entries))
                    .failed()
                    .isEmpty());
        }

        var worker = new RecordingTracing(WORKER_TRACE);
        try (var api = new CalcApiSimulator(4, 16, 1, 0)) {
            Env env = env(api);
            try (var runner = new LambdaRunner(stack.sqs(), "us-east-1")) {
                runner.start(new SqsEventSource(
                        "worker",
                        queue,
                        stack.arn(queue),
                        20,
                        Duration.ofMillis(300),
                        1,
                        Duration.ofMinutes(1),
                        () -> new WorkerHandler(env, worker)));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!(stack.depth(stack.layout().jobQueue()).total() == 0 && runner.idle())) {
                    assertTrue(System.nanoTime() < deadline, "jobs still queued after 60 s");
                    Thread.sleep(100);
                }
                assertEquals(0, runner.handlerErrors());
            }
            long recorded = RawLogs.readAll(stack.s3(), stack.layout().rawBucket()).stream()
                    .filter(n -> "tr-sqs".equals(n.path("runId").asText()))
                    .count();
            assertEquals(jobs, recorded);

            assertFalse(worker.accepted().isEmpty());
            for (RecordingTracing.Accepted accepted : worker.accepted()) {
                assertEquals(
                        sent, accepted.headers(), "the attributes arrived as sent and were accepted as a queue parent");
                assertTrue(accepted.bound(), "accepted on the handler's thread, where the transaction lives");
            }
            assertTrue(worker.accepted().getFirst().tookEffect());
            assertEquals(FANOUT_TRACE, worker.traceId(), "the worker continues the fan-out's trace");
            assertEquals(api.stats().requests(), api.stats().withTraceHeaders(), "every API call carried the context");
            assertEquals(api.stats().requests(), worker.inserted().size());
            assertTrue(
                    worker.inserted().stream().allMatch(i -> TraceHeaders.traceId(i.headers())
                            .orElseThrow()
                            .equals(FANOUT_TRACE)),
                    "the API joins the same trace");
            assertEquals(0, worker.unboundCalls());
        }
    }
}
