package dev.offerrecorder.operator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.api.ApiObservationSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The knee analysis on made-up fleets in front of a made-up API of W workers and L ms: each second the fleet holds N
 * calls in flight; the API answers min(N, W) x 1000 / L calls a second, each in L ms up to W in flight and N x L / W
 * beyond (its queue), with some noise.
 */
class ApiReportTest {
    static final int W = 16;
    static final double L = 400;

    /** One summary per container (two containers), each holding half of each second's calls. */
    private static List<ApiObservationSummary> fleet(IntUnaryOperator inFlightAt, int seconds, double rejectShare) {
        Random random = new Random(7);
        List<List<ApiObservationSummary.Second>> containers = List.of(new ArrayList<>(), new ArrayList<>());
        for (int t = 0; t < seconds; t++) {
            int n = inFlightAt.applyAsInt(t);
            double latency = (n <= W ? L : n * L / W) * (0.95 + 0.1 * random.nextDouble());
            int answered = (int) Math.round(Math.min(n, W) * 1000 / L);
            int rejected = (int) Math.round(answered * rejectShare);
            for (int c = 0; c < 2; c++) {
                int a = c == 0 ? answered / 2 : answered - answered / 2;
                int r = c == 0 ? rejected / 2 : rejected - rejected / 2;
                containers
                        .get(c)
                        .add(new ApiObservationSummary.Second(
                                1_000 + t,
                                a,
                                r,
                                0,
                                0,
                                Math.round(a * latency),
                                Math.round(n * 1000 / 2.0),
                                (long) a * n / 2));
            }
        }
        List<ApiObservationSummary> out = new ArrayList<>();
        for (var secs : containers) {
            int answered = secs.stream()
                    .mapToInt(ApiObservationSummary.Second::answered)
                    .sum();
            int rejected = secs.stream()
                    .mapToInt(ApiObservationSummary.Second::rejected)
                    .sum();
            long latency = secs.stream()
                    .mapToLong(ApiObservationSummary.Second::latencyMs)
                    .sum();
            out.add(new ApiObservationSummary(
                    1, "r", Instant.EPOCH, answered + rejected, answered, rejected, 0, 0, 380, 390, latency, 0, secs));
        }
        return out;
    }

    @Test
    void flatLatencyMeansTheKneeWasNotReachedAndThePipelineIsTheLimit() {
        // The fleet ramps from 1 to 12 in flight and holds 12: below the API's 16 workers.
        ApiReport report = ApiReport.of(fleet(t -> Math.min(12, 1 + t), 120, 0));
        assertNull(report.kneeInFlight(), report.toString());
        assertEquals("pipeline", report.limitedBy(), report.verdict());
        assertEquals(L, report.noLoadLatencyMs(), 0.06 * L);
        assertEquals(12, report.flatUpToInFlight(), 1.0);
        assertEquals(30, report.heldPerSecond(), 1.0, "12 in flight / 0.4 s");
        assertTrue(report.verdict().startsWith("pipeline-bound"), report.verdict());
        assertTrue(report.verdict().contains("ApiCapacityRps"), report.verdict());
    }

    @Test
    void latencyGrowingPastWPutsTheKneeNearW() {
        // Ramps from 1 to 30 in flight, then holds 24: well past the API's 16 workers.
        ApiReport report = ApiReport.of(fleet(t -> Math.min(30, 1 + t) - (t >= 30 ? 6 : 0), 150, 0.05));
        assertNotNull(report.kneeInFlight(), report.toString());
        assertEquals(W, report.kneeInFlight(), 0.15 * W, report.toString());
        assertEquals("api", report.limitedBy(), report.verdict());
        assertEquals(W * 1000 / L, report.capacityPerSecond(), 0.2 * W * 1000 / L, report.toString());
        assertTrue(report.latencyGrowsFromInFlight() > W, "the first level above 1.25 x no-load lies above W");
        assertEquals(40, report.heldPerSecond(), 1.0, "the API's W / L");
        assertTrue(report.verdict().startsWith("API-bound"), report.verdict());
        assertEquals(0.05, report.rejectedShare(), 0.01);
        assertTrue(report.verdict().contains("set ApiCapacityRps to about 40"), report.verdict());
    }

    @Test
    void aFleetPastTheKneeAllAlongTakesItsNoLoadLatencyFromTheFastestTenth() {
        // 24 in flight from the first second: every second queues (600 ms); the invocations' p10 says 390 ms.
        ApiReport report = ApiReport.of(fleet(t -> 24, 100, 0));
        assertEquals(390, report.noLoadLatencyMs(), 0.1, report.toString());
        assertEquals(W, report.kneeInFlight(), 0.15 * W, report.toString());
        assertEquals("api", report.limitedBy(), report.verdict());
    }

    @Test
    void rejectionsWithoutQueueingStillNameTheApi() {
        ApiReport report = ApiReport.of(fleet(t -> Math.min(12, 1 + t), 60, 0.10));
        assertNull(report.kneeInFlight());
        assertEquals("api", report.limitedBy(), report.verdict());
        assertTrue(report.verdict().contains("rejected"), report.verdict());
    }

    @Test
    void noSummariesSayWhy() {
        ApiReport report = ApiReport.of(List.of());
        assertEquals("unknown", report.limitedBy());
        assertEquals(0, report.calls());
        assertTrue(report.verdict().contains("no API calls observed"), report.verdict());
    }
}
