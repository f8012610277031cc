package dev.offerrecorder.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.testkit.sim.CalcApiSimulator.Overload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * What the simulator does past W workers and its queue, over real HTTP: FAST_503 answers 503 at once; DEGRADE
 * takes the extra requests, slows every call down, and past the collapse point answers nothing for a while.
 * Timings are only compared one way (a call cannot be faster than the work it was given), never bounded above.
 */
class CalcApiOverloadTest {
    private final HttpClient http = HttpClient.newHttpClient();

    /** A response and when it arrived. */
    private record Timed(HttpResponse<String> response, long sentNanos, long arrivedNanos) {
        long millis() {
            return (arrivedNanos - sentNanos) / 1_000_000;
        }

        int status() {
            return response.statusCode();
        }
    }

    private CompletableFuture<Timed> call(CalcApiSimulator api, String shop) {
        return call(api, shop, null);
    }

    private CompletableFuture<Timed> call(CalcApiSimulator api, String shop, Duration timeout) {
        URI uri = URI.create(api.urlTemplate().replace("{shopId}", shop).replace("{date}", "2024-01-01"));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (timeout != null) {
            request.timeout(timeout);
        }
        long sent = System.nanoTime();
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Timed(r, sent, System.nanoTime()));
    }

    private List<CompletableFuture<Timed>> calls(CalcApiSimulator api, String prefix, int n) {
        List<CompletableFuture<Timed>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(call(api, prefix + i));
        }
        return out;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 5 s");
            Thread.sleep(2);
        }
    }

    @Test
    void fast503AnswersTheOverflowAtOnceAndServesTheRest() throws Exception {
        try (var api = new CalcApiSimulator(2, 1, 300, 0, Overload.FAST_503)) {
            List<Timed> answers =
                    calls(api, "f", 6).stream().map(CompletableFuture::join).toList();
            List<Timed> ok = answers.stream().filter(t -> t.status() == 200).toList();
            List<Timed> refused =
                    answers.stream().filter(t -> t.status() != 200).toList();
            assertTrue(ok.size() >= 3 && !refused.isEmpty(), "ok " + ok.size() + ", refused " + refused.size());
            for (Timed r : refused) {
                assertEquals(503, r.status(), r.response().body());
                assertEquals(
                        "1", r.response().headers().firstValue("Retry-After").orElse(""));
                // At once: before any served call could finish its 300 ms.
                long firstServed =
                        ok.stream().mapToLong(Timed::arrivedNanos).min().orElseThrow();
                assertTrue(r.arrivedNanos() < firstServed, "a 503 waited for a served call");
            }
            assertEquals(refused.size(), api.stats().rejected());
            assertEquals(new CalcApiSimulator.OverloadCounts(0, 0, 0, 0), api.overloadCounts());
        }
    }

    @Test
    void degradeWithinWorkersAndQueueNeitherRefusesNorSlowsDown() throws Exception {
        try (var api = new CalcApiSimulator(2, 2, 50, 0, Overload.DEGRADE)) {
            for (int round = 0; round < 2; round++) {
                for (Timed t : calls(api, "w" + round + "-", 4).stream()
                        .map(CompletableFuture::join)
                        .toList()) {
                    assertEquals(200, t.status(), t.response().body());
                }
            }
            assertEquals(0, api.stats().rejected());
            assertTrue(api.stats().peakConcurrency() <= 2);
            assertEquals(new CalcApiSimulator.OverloadCounts(0, 0, 0, 0), api.overloadCounts());
        }
    }

    @Test
    void degradeTakesTheOverflowAndSlowsEveryCallInService() throws Exception {
        long latency = 200;
        // W = 4, queue 0: three more requests are overflow 3 (below the collapse at 4), so each ms of work
        // takes 1.75 ms while they wait.
        try (var api = new CalcApiSimulator(4, 0, latency, 0, Overload.DEGRADE)) {
            List<CompletableFuture<Timed>> first = calls(api, "d", 4);
            await(() -> api.stats().requests() == 4);
            List<CompletableFuture<Timed>> overflow = calls(api, "o", 3);
            for (Timed t : first.stream().map(CompletableFuture::join).toList()) {
                assertEquals(200, t.status(), t.response().body());
                assertTrue(t.millis() > 1.3 * latency, "a call in service while 3 waited took " + t.millis() + " ms");
            }
            for (Timed t : overflow.stream().map(CompletableFuture::join).toList()) {
                assertEquals(200, t.status(), "the backlog is served, not refused");
            }
            assertEquals(0, api.stats().rejected());
            assertEquals(4, api.stats().peakConcurrency());
            var counts = api.overloadCounts();
            assertTrue(counts.degraded() >= 4, "degraded " + counts.degraded());
            assertEquals(0, counts.collapses());
        }
    }

    @Test
    void degradeCollapsesPastTheThresholdThenServesAgain() throws Exception {
        long collapseMs = 500;
        // W = 2, queue 1: the 5th request at once (2W + queue) brings it down.
        try (var api = new CalcApiSimulator(2, 1, 200, 0, Overload.DEGRADE, 2, collapseMs)) {
            List<CompletableFuture<Timed>> flood = calls(api, "c", 5);
            await(() -> api.overloadCounts().collapses() == 1);
            // While it is down: a client with a shorter timeout than the collapse gets nothing at all.
            var impatient = call(api, "late", Duration.ofMillis(200));
            var error = assertThrows(CompletionException.class, impatient::join);
            assertTrue(error.getCause() instanceof HttpTimeoutException, String.valueOf(error.getCause()));
            var patient = call(api, "patient");

            for (Timed t : flood.stream().map(CompletableFuture::join).toList()) {
                assertEquals(503, t.status(), t.response().body());
                assertEquals(
                        "1", t.response().headers().firstValue("Retry-After").orElse(""));
                assertTrue(t.millis() >= collapseMs, "answered " + t.millis() + " ms after sending");
            }
            Timed late = patient.join();
            assertEquals(503, late.status(), "a request arriving during the collapse hangs, then is refused");
            long floodSent =
                    flood.stream().mapToLong(f -> f.join().sentNanos()).max().orElseThrow();
            assertTrue((late.arrivedNanos() - floodSent) / 1_000_000 >= collapseMs, "answered before the end");

            Timed after = call(api, "after").join();
            assertEquals(200, after.status(), "serves normally once the collapse is over");
            assertEquals(
                    CalcApiSimulator.body("after", "2024-01-01"),
                    after.response().body());

            var counts = api.overloadCounts();
            assertEquals(1, counts.collapses());
            assertEquals(collapseMs, counts.collapsedMs());
            // The 5 of the flood, the impatient one (answered to a closed connection) and the patient one.
            await(() -> api.overloadCounts().hung() == 7);
            assertEquals(7, api.stats().rejected());
        }
    }
}
