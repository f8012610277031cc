package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.api.ApiObservationSummary;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import dev.offerrecorder.testkit.support.RawLogs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;

/**
 * The worker against the simulator over real HTTP and the embedded S3: capacity, retries, deadlines, garbage,
 * bad messages, failed writes. Each test uses its own run ID and reads back what it recorded.
 */
@WithEmbeddedStack
class WorkerServiceTest {
    static EmbeddedStack stack;
    final JobCodec codec = new JobCodec();

    private Env env(CalcApiSimulator api, Map<String, String> extra) {
        Env env = stack.workerEnv(api.urlTemplate())
                .with("API_BACKOFF_BASE_MS", "20")
                .with("API_BACKOFF_MAX_MS", "500")
                .with("API_CALL_TIMEOUT_MS", "2000")
                .with("WRITE_RESERVE_MS", "500");
        for (var e : extra.entrySet()) {
            env = env.with(e.getKey(), e.getValue());
        }
        return env;
    }

    private WorkerService service(CalcApiSimulator api, Map<String, String> extra, JsonLog log) {
        return WorkerService.create(WorkerConfig.from(env(api, extra)), stack.s3(), Optional.empty(), log);
    }

    /** An S3 client to the embedded stack whose requests pass through {@code interceptor} first (fault injection). */
    private static S3Client s3With(ExecutionInterceptor interceptor) {
        return S3Client.builder()
                .region(dev.offerrecorder.shared.aws.AwsClients.region(stack.baseEnv()))
                .endpointOverride(stack.aws().s3Endpoint())
                .forcePathStyle(true)
                .overrideConfiguration(c -> c.addExecutionInterceptor(interceptor))
                .build();
    }

    private static JsonLog quietLog() {
        return new JsonLog("worker-test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private List<JobMessage> messages(String runId, int firstShop, int shops, LocalDate date) {
        List<JobMessage> out = new ArrayList<>();
        for (int s = firstShop; s < firstShop + shops; s++) {
            out.add(new JobMessage("m-" + runId + "-" + s, codec.encode(new Job(runId, Integer.toString(s), date))));
        }
        return out;
    }

    private List<JsonNode> recorded(String runId) throws Exception {
        return RawLogs.readAll(stack.s3(), stack.layout().rawBucket()).stream()
                .filter(n -> runId.equals(n.path("runId").asText()))
                .toList();
    }

    private static Set<String> shops(List<JsonNode> records) {
        return records.stream().map(n -> n.path("shopId").asText()).collect(Collectors.toSet());
    }

    @Test
    void holdsTheApiNearItsCapacityWithoutOverflowingIt() throws Exception {
        int w = 8;
        try (var api = new CalcApiSimulator(w, 4, 40, 4)) {
            WorkerService service = service(api, Map.of("API_CONCURRENCY_CEILING", "64"), quietLog());
            List<BatchResult> results = new ArrayList<>();
            for (int batch = 0; batch < 6; batch++) {
                results.add(service.process(
                        messages("capacity", batch * 200 + 1, 200, LocalDate.of(2024, 5, 1)), () -> 600_000));
            }
            var stats = api.stats();
            // The limit moves batch to batch (Vegas probes up, a 503 pushes it down): judge where it settled by the
            // median of the batches after the first, not by whichever value the last batch happened to end on.
            List<Integer> limits = new ArrayList<>(results.subList(1, results.size()).stream()
                    .map(BatchResult::concurrencyLimit)
                    .toList());
            limits.sort(null);
            int limit = limits.get(limits.size() / 2);
            double rejectedShare = (double) stats.rejected() / stats.requests();
            System.out.printf(
                    "capacity: W=%d limits=%s median=%d peak=%d requests=%d rejected=%d (%.3f)%n",
                    w, limits, limit, stats.peakConcurrency(), stats.requests(), stats.rejected(), rejectedShare);
            assertTrue(results.stream().allMatch(r -> r.failedMessageIds().isEmpty()), "every job recorded");
            assertEquals(1200, recorded("capacity").size());
            assertTrue(rejectedShare < 0.10, "rejections must stay a small fraction, were " + rejectedShare);
            assertTrue(limit >= w / 2 && limit <= 2 * w, "limit should settle near W=" + w + ", was " + limit);
            assertEquals(w, stats.peakConcurrency(), "the API was driven to its W workers");
        }
    }

    @Test
    void aFleetPacedAtItsSharesHoldsTheApiWithoutRejections() throws Exception {
        // Three containers (as Lambda runs them: each its own service, pacer and gate) share one API, each told
        // the API's capacity W / L and that three containers may run at once, and work batches of 200 together.
        int w = 8;
        int containers = 3;
        try (var api = new CalcApiSimulator(w, w / 2, 40, 4)) {
            Map<String, String> fleet = Map.of(
                    "API_CAPACITY_RPS",
                    Double.toString(api.ceilingPerSecond()),
                    "WORKER_MAX_CONCURRENCY",
                    Integer.toString(containers),
                    "API_CONCURRENCY_CEILING",
                    "64");
            List<WorkerService> services = new ArrayList<>();
            for (int c = 0; c < containers; c++) {
                services.add(service(api, fleet, quietLog()));
            }
            List<BatchResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
            try (var executor = java.util.concurrent.Executors.newFixedThreadPool(containers)) {
                List<java.util.concurrent.Future<?>> running = new ArrayList<>();
                for (int c = 0; c < containers; c++) {
                    WorkerService service = services.get(c);
                    int first = c * 400 + 1;
                    running.add(executor.submit(() -> {
                        for (int batch = 0; batch < 2; batch++) {
                            results.add(service.process(
                                    messages("fleet", first + batch * 200, 200, LocalDate.of(2024, 5, 4)),
                                    () -> 600_000));
                        }
                        return null;
                    }));
                }
                for (var f : running) {
                    f.get();
                }
            }
            var stats = api.stats();
            double rejectedShare = (double) stats.rejected() / stats.requests();
            System.out.printf(
                    "fleet: W=%d containers=%d requests=%d rejected=%d (%.4f) peak=%d%n",
                    w, containers, stats.requests(), stats.rejected(), rejectedShare, stats.peakConcurrency());
            assertTrue(results.stream().allMatch(r -> r.failedMessageIds().isEmpty()), "every job recorded");
            List<JsonNode> records = recorded("fleet");
            assertEquals(1200, records.size(), "every job recorded exactly once");
            assertEquals(1200, shops(records).size());
            // The goal is 1 %; seen 0.6-0.7 % here. 2 % (issue #15's bar) leaves room for a loaded machine's jitter,
            // and unpaced the same fleet has 12 % rejected.
            assertTrue(rejectedShare <= 0.02, "at most 2 % of calls rejected, was " + rejectedShare);
            for (WorkerService service : services) {
                assertEquals(0, service.gate().inFlight(), "no slot left held");
                assertTrue(service.gate().pacer().isPresent(), "each container paces");
            }
        }
    }

    @Test
    void aContainerToldTwiceTheApisCapacityStepsBackWhenItsAnswersQueue() throws Exception {
        // 4 workers of 40 ms take 100/s; the container is told 400/s for 2 containers, a share of 200/s. The
        // simulator queues up to 100 calls and never says 503, so only the latency tells of the overshoot. Without
        // the pacer's delay signal the rate stayed at the share (200/s) through both batches: the container would
        // run twice the API's capacity into the queue whenever its adaptive limit let it.
        try (var api = new CalcApiSimulator(4, 100, 40, 0)) {
            WorkerService service = service(
                    api,
                    Map.of("API_CAPACITY_RPS", "400", "WORKER_MAX_CONCURRENCY", "2", "API_CONCURRENCY_CEILING", "64"),
                    quietLog());
            BatchResult first = service.process(messages("queue", 1, 200, LocalDate.of(2024, 5, 6)), () -> 600_000);
            BatchResult second = service.process(messages("queue", 201, 200, LocalDate.of(2024, 5, 6)), () -> 600_000);
            ApiPacer pacer = service.gate().pacer().orElseThrow();
            System.out.printf(
                    "queue: rate %.1f of share %.1f, p50 %d then %d ms, rejected %d%n",
                    pacer.rateRps(),
                    pacer.shareRps(),
                    first.latencyP50Ms(),
                    second.latencyP50Ms(),
                    api.stats().rejected());
            assertTrue(first.failedMessageIds().isEmpty()
                    && second.failedMessageIds().isEmpty());
            assertEquals(0, api.stats().rejected(), "nothing was refused: the latency was the only sign");
            assertTrue(
                    pacer.rateRps() <= 0.8 * pacer.shareRps(),
                    "the rate stepped back towards what the API takes, was " + pacer.rateRps());
        }
    }

    @Test
    void injectedErrorsCostRetriesNotJobs() throws Exception {
        try (var api = new CalcApiSimulator(8, 32, 5, 1)) {
            api.setFaults(SimulatorFaults.none().withErrorRate(0.3).withThrottleRate(0.1));
            WorkerService service = service(api, Map.of("API_MAX_ATTEMPTS", "3"), quietLog());
            List<JobMessage> pending = messages("errors", 1, 300, LocalDate.of(2024, 5, 2));
            int retriedBatches = 0;
            int totalRetries = 0;
            // Redeliver what the worker reported failed, as SQS would, until nothing is left.
            while (!pending.isEmpty() && retriedBatches < 20) {
                BatchResult r = service.process(pending, () -> 600_000);
                totalRetries += r.retries();
                Set<String> failed = new HashSet<>(r.failedMessageIds());
                pending = pending.stream()
                        .filter(m -> failed.contains(m.messageId()))
                        .toList();
                retriedBatches++;
            }
            assertTrue(pending.isEmpty(), "all jobs eventually recorded");
            assertTrue(totalRetries > 0, "errors were retried");
            List<JsonNode> records = recorded("errors");
            assertEquals(300, records.size(), "no job lost and none recorded twice");
            assertEquals(300, shops(records).size());
        }
    }

    @Test
    void aBatchCutShortByTheDeadlineLosesNothing() throws Exception {
        try (var api = new CalcApiSimulator(2, 100, 100, 0)) {
            WorkerService service =
                    service(api, Map.of("API_CONCURRENCY_CEILING", "2", "API_CALL_TIMEOUT_MS", "1000"), quietLog());
            List<JobMessage> batch = messages("deadline", 1, 60, LocalDate.of(2024, 5, 3));
            long end = System.nanoTime() + 2_500_000_000L; // 2.5 s left: room for some calls, not 60 x 100 ms / 2
            BatchResult first = service.process(batch, () -> (end - System.nanoTime()) / 1_000_000);
            assertFalse(first.failedMessageIds().isEmpty(), "the deadline cut the batch short");
            assertTrue(first.jobsRecorded() > 0, "what finished in time was written");
            assertEquals(60, first.jobsRecorded() + first.failedMessageIds().size(), "every job accounted for");
            Set<String> failed = new HashSet<>(first.failedMessageIds());
            BatchResult second = service.process(
                    batch.stream().filter(m -> failed.contains(m.messageId())).toList(), () -> 600_000);
            assertTrue(second.failedMessageIds().isEmpty());
            List<JsonNode> records = recorded("deadline");
            assertEquals(60, records.size());
            assertEquals(60, shops(records).size(), "none twice");
        }
    }

    @Test
    void garbageBodiesAreRecordedWithTheirRawText() throws Exception {
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            api.setFaults(SimulatorFaults.none().withGarbageShops(Set.of("2")));
            BatchResult r = service(api, Map.of(), quietLog())
                    .process(messages("garbage", 1, 3, LocalDate.of(2024, 5, 4)), () -> 600_000);
            assertTrue(r.failedMessageIds().isEmpty());
            Map<String, JsonNode> byShop = new HashMap<>();
            recorded("garbage").forEach(n -> byShop.put(n.path("shopId").asText(), n));
            assertEquals("GARBAGE", byShop.get("2").path("outcome").asText());
            assertTrue(byShop.get("2").path("responseBody").asText().contains("502 Bad Gateway"));
            assertTrue(byShop.get("2").path("error").asText().contains("not JSON"));
            assertEquals("OK", byShop.get("1").path("outcome").asText());
        }
    }

    @Test
    void badMessagesFailAloneAndSayWhy() throws Exception {
        var out = new ByteArrayOutputStream();
        var log = new JsonLog("worker-test", new PrintStream(out, true, StandardCharsets.UTF_8));
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            List<JobMessage> batch = new ArrayList<>(messages("badmsg", 1, 2, LocalDate.of(2024, 5, 5)));
            batch.add(new JobMessage("not-json", "hello"));
            batch.add(new JobMessage("no-fields", "{}"));
            batch.add(new JobMessage("empty-shop", "{\"runId\":\"badmsg\",\"shopId\":\"\",\"date\":\"2024-05-05\"}"));
            batch.add(new JobMessage("bad-date", "{\"runId\":\"badmsg\",\"shopId\":\"9\",\"date\":\"2024-13-01\"}"));
            batch.add(new JobMessage(
                    "traversal", "{\"runId\":\"badmsg\",\"shopId\":\"../etc\",\"date\":\"2024-05-05\"}"));
            BatchResult r = service(api, Map.of(), log).process(batch, () -> 600_000);
            assertEquals(
                    Set.of("not-json", "no-fields", "empty-shop", "bad-date", "traversal"),
                    new HashSet<>(r.failedMessageIds()));
            assertEquals(2, recorded("badmsg").size(), "the valid jobs were recorded");
            String logs = out.toString(StandardCharsets.UTF_8);
            assertTrue(logs.contains("message body is not JSON"), logs);
            assertTrue(logs.contains("runId is missing"), logs);
            assertTrue(logs.contains("shopId is missing or blank"), logs);
            assertTrue(logs.contains("is not YYYY-MM-DD"), logs);
            assertTrue(logs.contains("must be 1-64 characters"), logs);
        }
    }

    @Test
    void aFailedRawLogWriteFailsEveryJobOfThatWrite() throws Exception {
        ExecutionInterceptor failPuts = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof PutObjectRequest) {
                    throw new IllegalStateException("injected: S3 unavailable");
                }
            }
        };
        try (var api = new CalcApiSimulator(4, 8, 1, 0);
                S3Client failing = s3With(failPuts)) {
            var service =
                    WorkerService.create(WorkerConfig.from(env(api, Map.of())), failing, Optional.empty(), quietLog());
            List<JobMessage> batch = messages("s3fail", 1, 20, LocalDate.of(2024, 5, 6));
            BatchResult r = service.process(batch, () -> 600_000);
            assertEquals(20, r.failedMessageIds().size(), "nothing durable, nothing acknowledged");
            assertEquals(0, r.jobsRecorded());
            assertEquals(20, api.stats().requests(), "the API was called; only the write failed");
            assertEquals(0, recorded("s3fail").size());
        }
    }

    @Test
    void aBatchDoesNotWaitForTheQueueCountsBeforeItsFirstCall() throws Exception {
        // The job queue's counts (the container's share) are read beside the batch's first calls: here SQS holds
        // the GetQueueAttributes request until the API has seen a call, up to 5 s. Waited for, the read would hold
        // the first call back, and the API would see nothing until SQS gave up waiting.
        var apiCalledFirst = new java.util.concurrent.atomic.AtomicBoolean();
        var countsRead = new java.util.concurrent.CountDownLatch(1);
        Env env = stack.baseEnv();
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            ExecutionInterceptor slowCounts = new ExecutionInterceptor() {
                @Override
                public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                    if (context.request() instanceof GetQueueAttributesRequest && countsRead.getCount() > 0) {
                        long giveUp = System.nanoTime() + 5_000_000_000L;
                        while (api.stats().requests() == 0 && System.nanoTime() < giveUp) {
                            Thread.onSpinWait();
                        }
                        apiCalledFirst.set(api.stats().requests() > 0);
                        countsRead.countDown();
                    }
                }
            };
            try (SqsClient sqs = SqsClient.builder()
                    .region(dev.offerrecorder.shared.aws.AwsClients.region(env))
                    .endpointOverride(stack.aws().sqsEndpoint())
                    .overrideConfiguration(c -> c.addExecutionInterceptor(slowCounts))
                    .build()) {
                var fleet = new FleetShare(
                        sqs, stack.url(stack.layout().jobQueue()), api.ceilingPerSecond(), 2, quietLog());
                WorkerConfig config = WorkerConfig.from(env(
                        api,
                        Map.of(
                                "API_CAPACITY_RPS",
                                Double.toString(api.ceilingPerSecond()),
                                "WORKER_MAX_CONCURRENCY",
                                "2")));
                var service = WorkerService.create(
                        config,
                        stack.s3(),
                        ApiCredential.fixed(Optional.empty()),
                        quietLog(),
                        new dev.offerrecorder.shared.trace.NewRelicTracing(),
                        Optional.of(fleet));
                BatchResult r = service.process(messages("counts", 1, 20, LocalDate.of(2024, 5, 7)), () -> 600_000);
                assertTrue(countsRead.await(10, java.util.concurrent.TimeUnit.SECONDS), "the counts were read");
                assertTrue(apiCalledFirst.get(), "the API saw the batch's first call before the counts came back");
                assertTrue(r.failedMessageIds().isEmpty());
                assertEquals(20, recorded("counts").size());
            }
        }
    }

    @Test
    void theApiObservationsAreWrittenBesideTheRawLog() throws Exception {
        // S3 holds the raw-log PUT until the API observations' PUT has arrived, up to 5 s: written one after the
        // other, the observations would only come after the raw log, and S3 would give up waiting for them.
        var observationsSeen = new java.util.concurrent.CountDownLatch(1);
        var besideTheRawLog = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutionInterceptor holdRawLog = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof PutObjectRequest put) {
                    if (put.key().startsWith(ApiObservationSummary.PREFIX)) {
                        observationsSeen.countDown();
                    } else if (put.key().startsWith(RawLogKeys.PREFIX)) {
                        try {
                            besideTheRawLog.set(observationsSeen.await(5, java.util.concurrent.TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            }
        };
        try (var api = new CalcApiSimulator(4, 8, 1, 0);
                S3Client s3 = s3With(holdRawLog)) {
            var service = WorkerService.create(WorkerConfig.from(env(api, Map.of())), s3, Optional.empty(), quietLog());
            BatchResult r = service.process(messages("beside", 1, 10, LocalDate.of(2024, 5, 8)), () -> 600_000);
            assertTrue(r.failedMessageIds().isEmpty());
            assertEquals(10, recorded("beside").size());
            assertTrue(besideTheRawLog.get(), "the observations' PUT came while the raw log's was still out");
            assertFalse(
                    stack.s3()
                            .listObjectsV2(b ->
                                    b.bucket(stack.layout().rawBucket()).prefix(ApiObservationSummary.prefix("beside")))
                            .contents()
                            .isEmpty(),
                    "and they were stored");
        }
    }

    @Test
    void theApiTokenIsSentButNeverLogged() throws Exception {
        String token = "tok-9f8e7d6c5b4a-secret";
        var out = new ByteArrayOutputStream();
        var log = new JsonLog("worker-test", new PrintStream(out, true, StandardCharsets.UTF_8));
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            api.expectAuthorization("Bearer " + token);
            api.setFaults(SimulatorFaults.none().withFailingShops(Set.of("3")));
            var service = WorkerService.create(
                    WorkerConfig.from(env(api, Map.of("API_MAX_ATTEMPTS", "2"))), stack.s3(), Optional.of(token), log);
            List<JobMessage> batch = new ArrayList<>(messages("token", 1, 4, LocalDate.of(2024, 5, 7)));
            batch.add(new JobMessage("bad", "{oops"));
            BatchResult r = service.process(batch, () -> 600_000);
            assertEquals(Set.of("bad", "m-token-3"), new HashSet<>(r.failedMessageIds()));
            assertEquals(api.stats().requests(), api.requestsWithAuthorization(), "every call carried the token");
            String logs = out.toString(StandardCharsets.UTF_8);
            assertTrue(logs.contains("job failed"), "failures were logged: " + logs);
            assertFalse(logs.contains(token), "the token must never reach the logs");
            for (JsonNode n : recorded("token")) {
                assertFalse(n.toString().contains(token), "nor the raw logs");
            }
        }
    }
}
