package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.api.ApiObservationSummary;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.trace.RecordingTracing;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What the worker notes of every API attempt: the summariser on made-up attempts, and a real batch against the
 * simulator and the embedded S3, whose summaries must add up to the batch's own counts.
 */
@WithEmbeddedStack
class ApiObservationsTest {
    static EmbeddedStack stack;

    private static ApiObservations.Observed attempt(
            String run, long startMillis, long latencyMs, ApiObservations.Outcome outcome, int inFlight) {
        return new ApiObservations.Observed(run, startMillis, latencyMs, outcome, inFlight);
    }

    @Test
    void outcomesAreClassifiedAsTheApiLoadGoes() {
        assertEquals(ApiObservations.Outcome.ANSWERED, ApiObservations.Outcome.of(200, false));
        assertEquals(ApiObservations.Outcome.ANSWERED, ApiObservations.Outcome.of(404, false));
        assertEquals(ApiObservations.Outcome.REJECTED, ApiObservations.Outcome.of(429, false));
        assertEquals(ApiObservations.Outcome.REJECTED, ApiObservations.Outcome.of(503, false));
        assertEquals(ApiObservations.Outcome.ERROR, ApiObservations.Outcome.of(500, false));
        assertEquals(ApiObservations.Outcome.ERROR, ApiObservations.Outcome.of(401, false));
        assertEquals(ApiObservations.Outcome.TIMEOUT, ApiObservations.Outcome.of(0, true));
        assertEquals(ApiObservations.Outcome.ERROR, ApiObservations.Outcome.of(0, false));
    }

    @Test
    void summarisesPerSecondOfTheAttemptsStartWithTheAnswersLowPercentile() {
        List<ApiObservations.Observed> attempts = new ArrayList<>();
        // Second 1000: ten answers of 100..190 ms at in-flight 1..10, one 503 of 2 ms.
        for (int i = 0; i < 10; i++) {
            attempts.add(attempt("r", 1_000_000 + i * 50, 100 + i * 10, ApiObservations.Outcome.ANSWERED, i + 1));
        }
        attempts.add(attempt("r", 1_000_999, 2, ApiObservations.Outcome.REJECTED, 11));
        // Second 1002 (none in 1001): a timeout and an I/O error.
        attempts.add(attempt("r", 1_002_000, 5000, ApiObservations.Outcome.TIMEOUT, 3));
        attempts.add(attempt("r", 1_002_500, 7, ApiObservations.Outcome.ERROR, 2));
        ApiObservationSummary s = ApiObservations.summarise("r", attempts, Instant.EPOCH);

        assertEquals(13, s.calls());
        assertEquals(10, s.answered());
        assertEquals(1, s.rejected());
        assertEquals(1, s.timeouts());
        assertEquals(1, s.errors());
        assertEquals(100, s.latencyMinMs());
        assertEquals(100, s.latencyP10Ms(), "the 1st of 10 sorted answers");
        assertEquals(1450, s.latencySumMs());
        assertEquals(55 + 11 + 3 + 2, s.inFlightSum());
        assertEquals(2, s.seconds().size(), s.seconds().toString());
        var first = s.seconds().getFirst();
        assertEquals(new ApiObservationSummary.Second(1000, 10, 1, 0, 0, 1450, 1452, 66), first);
        var last = s.seconds().getLast();
        assertEquals(new ApiObservationSummary.Second(1002, 0, 0, 1, 1, 0, 5007, 5), last);

        Map<String, Object> event = ApiObservations.eventAttributes(s);
        assertEquals("r", event.get("runId"));
        assertEquals(145.0, event.get("meanLatencyMs"));
        assertEquals(100L, event.get("noLoadLatencyMs"));
        assertEquals(3, event.get("seconds"), "1000 to 1002");
        assertEquals(13 / 3.0, (double) event.get("callsPerSecond"), 0.01);

        // The bytes round-trip; something else under the prefix is skipped, not thrown on.
        assertEquals(s, ApiObservationSummary.decode(s.encode()).orElseThrow());
        assertTrue(ApiObservationSummary.decode("{\"not\":1}".getBytes(StandardCharsets.UTF_8))
                .isEmpty());
    }

    @Test
    void anAttemptIsTimedFromItsStartAndSplitByRun() {
        AtomicLong wall = new AtomicLong(5_000_300);
        AtomicLong nanos = new AtomicLong(0);
        var observations = new ApiObservations(wall::get, nanos::get);
        var a = observations.start("run-a", 4);
        var b = observations.start("run-b", 5);
        nanos.addAndGet(120_000_000);
        a.end(200, false);
        a.end(503, false); // a second end is ignored
        nanos.addAndGet(30_000_000);
        b.end(0, true);
        List<ApiObservationSummary> drained = observations.drain(Instant.EPOCH);
        assertEquals(
                List.of("run-a", "run-b"),
                drained.stream().map(ApiObservationSummary::runId).toList());
        assertEquals(
                new ApiObservationSummary.Second(5000, 1, 0, 0, 0, 120, 120, 4),
                drained.get(0).seconds().getFirst());
        assertEquals(
                new ApiObservationSummary.Second(5000, 0, 0, 1, 0, 0, 150, 5),
                drained.get(1).seconds().getFirst());
        assertTrue(observations.drain(Instant.EPOCH).isEmpty(), "drained means empty");
    }

    @Test
    void aBatchLeavesOneSummaryAndOneEventPerRunThatAddUpToItsCalls() throws Exception {
        // Two API workers, a short queue, a limit starting at 8: the batch meets 503s before the limit settles.
        try (var api = new CalcApiSimulator(2, 1, 30, 3)) {
            Env env = stack.workerEnv(api.urlTemplate())
                    .with("API_BACKOFF_BASE_MS", "5")
                    .with("API_BACKOFF_MAX_MS", "50")
                    .with("API_CALL_TIMEOUT_MS", "2000")
                    .with("API_CONCURRENCY_INITIAL", "8")
                    .with("API_MAX_ATTEMPTS", "10")
                    .with("WRITE_RESERVE_MS", "500");
            var tracing = new RecordingTracing("22222222222222222222222222222222");
            var log =
                    new JsonLog("obs-test", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            WorkerService service =
                    WorkerService.create(WorkerConfig.from(env), stack.s3(), Optional.empty(), log, tracing);
            var codec = new JobCodec();
            List<JobMessage> messages = new ArrayList<>();
            for (int s = 1; s <= 40; s++) {
                String run = s % 4 == 0 ? "obs-b" : "obs-a";
                messages.add(new JobMessage(
                        "m" + s, codec.encode(new Job(run, Integer.toString(s), LocalDate.of(2024, 6, 1)))));
            }
            BatchResult result = service.process(messages, () -> 600_000);
            assertTrue(result.failedMessageIds().isEmpty(), result.toString());

            String bucket = stack.layout().rawBucket();
            List<ApiObservationSummary> stored = new ArrayList<>();
            for (String run : List.of("obs-a", "obs-b")) {
                var listed = stack.s3()
                        .listObjectsV2(r -> r.bucket(bucket).prefix(ApiObservationSummary.prefix(run)))
                        .contents();
                assertEquals(1, listed.size(), run + ": " + listed);
                stored.add(ApiObservationSummary.decode(stack.s3()
                                .getObjectAsBytes(r ->
                                        r.bucket(bucket).key(listed.getFirst().key()))
                                .asByteArray())
                        .orElseThrow());
            }
            assertEquals(30, stored.get(0).answered(), "one answer per obs-a job");
            assertEquals(10, stored.get(1).answered(), "one answer per obs-b job");
            assertEquals(
                    result.apiCalls(),
                    stored.stream().mapToInt(ApiObservationSummary::calls).sum());
            assertEquals(
                    result.rejections(),
                    stored.stream().mapToInt(s -> s.rejected() + s.timeouts()).sum());
            assertEquals(
                    api.stats().rejected(),
                    stored.stream().mapToInt(ApiObservationSummary::rejected).sum());
            assertTrue(result.rejections() > 0, "the batch met the API's 503s: " + result);
            for (ApiObservationSummary s : stored) {
                long secondCalls = s.seconds().stream()
                        .mapToLong(ApiObservationSummary.Second::calls)
                        .sum();
                assertEquals(s.calls(), secondCalls, "every attempt in one second's bucket");
                assertTrue(s.latencyP10Ms() >= 20, "answers take the simulator's ~30 ms: " + s);
            }

            var events = tracing.events().stream()
                    .filter(e -> e.type().equals(WorkerService.API_EVENT_TYPE))
                    .toList();
            assertEquals(
                    List.of("obs-a", "obs-b"),
                    events.stream().map(e -> e.attributes().get("runId")).toList());
            assertEquals(30, events.getFirst().attributes().get("answered"));
        }
    }
}
