package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.trace.NewRelicTracing;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How the worker meets what production's bad days put on the wire, against the simulator over real HTTP and the
 * embedded S3: headers that cannot be sent, stalled bodies, rejected credentials.
 */
@WithEmbeddedStack
class ApiFailureModesTest {
    static EmbeddedStack stack;
    final JobCodec codec = new JobCodec();

    private Env env(CalcApiSimulator api, Map<String, String> extra) {
        Env env = stack.workerEnv(api.urlTemplate())
                .with("API_BACKOFF_BASE_MS", "5")
                .with("API_BACKOFF_MAX_MS", "50")
                .with("API_CALL_TIMEOUT_MS", "1000")
                .with("WRITE_RESERVE_MS", "500");
        for (var e : extra.entrySet()) {
            env = env.with(e.getKey(), e.getValue());
        }
        return env;
    }

    static JsonLog quietLog() {
        return new JsonLog("worker-test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private List<JobMessage> messages(String runId, int firstShop, int shops, Map<String, String> attributes) {
        List<JobMessage> out = new ArrayList<>();
        for (int s = firstShop; s < firstShop + shops; s++) {
            out.add(new JobMessage(
                    "m-" + runId + "-" + s,
                    codec.encode(new Job(runId, Integer.toString(s), LocalDate.of(2024, 6, 1))),
                    attributes));
        }
        return out;
    }

    private List<JsonNode> recorded(String runId) throws Exception {
        return RawLogs.readAll(stack.s3(), stack.layout().rawBucket()).stream()
                .filter(n -> runId.equals(n.path("runId").asText()))
                .toList();
    }

    /** A budget that runs out: a leaked slot then shows as jobs failing for want of one, not as a hung test. */
    private static LongSupplier seconds(int s) {
        long end = System.nanoTime() + s * 1_000_000_000L;
        return () -> (end - System.nanoTime()) / 1_000_000;
    }

    @Test
    void headersThatCannotBeSentNeitherLeakASlotNorFailTheJob() throws Exception {
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            WorkerService service = WorkerService.create(
                    WorkerConfig.from(env(api, Map.of("API_CONCURRENCY_CEILING", "2", "API_CONCURRENCY_INITIAL", "2"))),
                    stack.s3(),
                    Optional.empty(),
                    quietLog());
            // Trace context arrives as message attributes: anything a producer put there reaches this code.
            Map<String, String> crlf =
                    Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX-Evil: 1");
            Map<String, String> untrimmed = Map.of("newrelic", " eyJ2IjpbMCwxXX0=\n");
            BatchResult bad = service.process(messages("badhdr", 1, 3, crlf), seconds(20));
            BatchResult worse = service.process(messages("badhdr", 4, 3, untrimmed), seconds(20));
            assertEquals(0, service.gate().inFlight(), "every slot taken was given back");
            BatchResult good = service.process(messages("badhdr", 7, 20, Map.of()), seconds(5));
            assertEquals(List.of(), bad.failedMessageIds(), "a bad trace header is dropped, the job still recorded");
            assertEquals(List.of(), worse.failedMessageIds());
            assertEquals(List.of(), good.failedMessageIds(), "later jobs find their slots");
            assertEquals(26, recorded("badhdr").size());
            assertEquals(0, service.gate().inFlight());
        }
    }

    @Test
    void aStalledBodyFailsItsCallAtTheCallTimeoutNotTheBatchAtTheFunctionTimeout() throws Exception {
        var out = new ByteArrayOutputStream();
        var log = new JsonLog("worker-test", new PrintStream(out, true, StandardCharsets.UTF_8));
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            // Longer than the test's patience: without a deadline on the body, the call would wait it out.
            api.setFaults(SimulatorFaults.none().withStalledBodies(Set.of("3"), 120_000));
            WorkerService service = WorkerService.create(
                    WorkerConfig.from(env(api, Map.of("API_MAX_ATTEMPTS", "2"))), stack.s3(), Optional.empty(), log);
            BatchResult r = service.process(messages("stall", 1, 5, Map.of()), () -> 600_000);
            assertEquals(List.of("m-stall-3"), r.failedMessageIds(), "only the stalled job goes back to SQS");
            assertEquals(2, api.stalledBodies(), "both attempts stalled, each was given up");
            assertEquals(4, recorded("stall").size(), "the rest of the batch was written");
            String logs = out.toString(StandardCharsets.UTF_8);
            assertTrue(logs.contains("API body stalled"), logs);
            assertEquals(0, service.gate().inFlight());
        }
    }

    @Test
    void theS3ClientGivesUpWithinTheWriteReserve() {
        WorkerConfig config = WorkerConfig.from(stack.workerEnv("http://127.0.0.1:1/{shopId}/{date}"));
        assertTrue(config.s3CallTimeout().compareTo(config.writeReserve()) < 0);
        assertTrue(config.s3AttemptTimeout().compareTo(config.s3CallTimeout()) < 0);
    }

    private WorkerService withStoredToken(
            CalcApiSimulator api, AtomicReference<String> store, AtomicInteger reads, JsonLog log) {
        var credential = new ApiCredential(() -> {
            reads.incrementAndGet();
            return Optional.of(store.get());
        });
        return WorkerService.create(
                WorkerConfig.from(env(api, Map.of("API_CONCURRENCY_CEILING", "4"))),
                stack.s3(),
                credential,
                log,
                new NewRelicTracing());
    }

    @Test
    void aTokenRotatedMidRunIsReadAgainAndNoRefusalBecomesARow() throws Exception {
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            var store = new AtomicReference<>("tok-1");
            var reads = new AtomicInteger();
            api.requireToken("tok-1");
            WorkerService service = withStoredToken(api, store, reads, quietLog());
            BatchResult before = service.process(messages("rotate", 1, 20, Map.of()), () -> 600_000);
            // The secret is rotated: the store has the new token, the API refuses the old one from now on.
            store.set("tok-2");
            api.rotateToken("tok-2");
            BatchResult after = service.process(messages("rotate", 21, 40, Map.of()), () -> 600_000);
            assertEquals(List.of(), before.failedMessageIds());
            assertEquals(List.of(), after.failedMessageIds(), "every job recorded after the re-read");
            assertTrue(api.unauthorizedAnswers() > 0, "the old token was refused at least once");
            assertEquals(2, reads.get(), "read at start and once again after the first 401");
            List<JsonNode> rows = recorded("rotate");
            assertEquals(60, rows.size(), "every job recorded");
            assertEquals(
                    60,
                    rows.stream().map(n -> n.path("shopId").asText()).distinct().count(),
                    "and each once");
            assertTrue(rows.stream().allMatch(n -> n.path("httpStatus").asInt() == 200), "no 401 became a row");
        }
    }

    @Test
    void aRevokedTokenStopsTheBatchFastAndReturnsEveryJob() throws Exception {
        var out = new ByteArrayOutputStream();
        var log = new JsonLog("worker-test", new PrintStream(out, true, StandardCharsets.UTF_8));
        try (var api = new CalcApiSimulator(4, 8, 1, 0)) {
            var store = new AtomicReference<>("tok-1");
            var reads = new AtomicInteger();
            api.requireToken("tok-1");
            WorkerService service = withStoredToken(api, store, reads, log);
            api.revokeTokens();
            List<JobMessage> batch = messages("revoked", 1, 40, Map.of());
            BatchResult r = service.process(batch, () -> 600_000);
            assertEquals(
                    batch.stream().map(JobMessage::messageId).collect(Collectors.toSet()),
                    Set.copyOf(r.failedMessageIds()),
                    "every job goes back to SQS");
            assertEquals(0, recorded("revoked").size(), "nothing recorded, nothing acknowledged");
            // At most the calls in flight when the refusals came, each tried once more: not one per job.
            assertTrue(
                    api.stats().requests() <= 16,
                    "calls after the batch stopped: " + api.stats().requests());
            assertEquals(2, reads.get(), "the credential was read again once");
            assertEquals(40, r.failureReasons().get(WorkerService.AUTH_FAILURE));
            String logs = out.toString(StandardCharsets.UTF_8);
            assertEquals(
                    1,
                    logs.lines()
                            .filter(l -> l.contains("\"event\":\"api_auth_failure\""))
                            .count(),
                    "one countable auth-failure line per batch: " + logs);
            assertEquals(0, service.gate().inFlight());
        }
    }
}
