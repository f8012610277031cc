package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The paced gate's Little's-law cap: calls in flight follow the share and the API's no-load latency. */
class ApiConcurrencyGateTest {
    private static final long MS = 1_000_000L;

    @Test
    void fastRttIsTheLowestTenthPercentileAndRisesOnlySlowly() {
        var rtt = new ApiConcurrencyGate.FastRtt();
        assertEquals(0, rtt.nanos(), "nothing known before the first answer");
        for (int i = 0; i < 128; i++) {
            rtt.add(100 * MS + (i * 37 % 21) * MS); // answers of 100-120 ms, well mixed
        }
        long noLoad = rtt.nanos();
        assertTrue(noLoad >= 100 * MS && noLoad <= 104 * MS, "a low percentile: " + noLoad / MS + " ms");
        for (int i = 0; i < 128; i++) {
            rtt.add(400 * MS); // overloaded: every answer slow
        }
        assertTrue(rtt.nanos() < 110 * MS, "an overload does not raise it: " + rtt.nanos() / MS + " ms");
        for (int i = 0; i < 100 * 128; i++) {
            rtt.add(400 * MS); // slower for good
        }
        assertTrue(rtt.nanos() > 300 * MS, "a lasting change is followed: " + rtt.nanos() / MS + " ms");
    }

    @Test
    void aPacedContainerHoldsAtMostItsShareTimesNoLoadLatencyWithHeadroom() throws Exception {
        var fresh = new ApiConcurrencyGate(
                64, 64, ApiConcurrencyGate.Algorithm.VEGAS, Optional.of(new ApiPacer(20.0, ApiPacer.Ticker.SYSTEM)));
        assertEquals(1, fresh.littleCap(), "one call before the first answer");
        fresh.fastRtt().add(50 * MS);
        assertEquals(2, fresh.littleCap(), "the first answer: 20/s x 50 ms x 1.5");
        for (int i = 0; i < 20; i++) {
            fresh.fastRtt().add(95 * MS + i * MS); // answers of 95-114 ms: p10 = 96 ms, above the first 50 ms
        }
        // Share 20/s x 0.096 s x 1.5 = 2.9: 3 calls.
        assertEquals(3, fresh.littleCap(), "cap from a share of 20/s at ~100 ms");
        List<ApiConcurrencyGate.Permit> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(fresh.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(2))
                    .orElseThrow());
        }
        assertTrue(
                fresh.acquire(System.nanoTime() + 300 * MS).isEmpty(),
                "a fourth call waits: the API would need 4 in flight only if it had slowed down");
        held.getFirst().ignore();
        assertTrue(
                fresh.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(2)).isPresent(), "a released slot");
        assertEquals(3, fresh.inFlight());
    }

    @Test
    void anUnpacedGateHasNoCap() {
        var gate = new ApiConcurrencyGate(4, 64, ApiConcurrencyGate.Algorithm.VEGAS);
        assertEquals(Integer.MAX_VALUE, gate.littleCap());
    }

    @Test
    void thePacerMayRunAheadOnlyWhileFewerCallsAreOutThanThePaceNeedsAtNoLoadLatency() throws Exception {
        var gate = new ApiConcurrencyGate(
                64, 64, ApiConcurrencyGate.Algorithm.VEGAS, Optional.of(new ApiPacer(40.0, ApiPacer.Ticker.SYSTEM)));
        assertEquals(0, gate.lead(), "nothing known of the latency before the first answer: no lead");
        gate.fastRtt().add(100 * MS); // 40/s x 100 ms: the pace needs 4 calls in flight
        List<ApiConcurrencyGate.Permit> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertEquals(100 * MS, gate.lead(), "with " + i + " calls out, a lead of the no-load latency");
            held.add(gate.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(2))
                    .orElseThrow());
        }
        assertEquals(0, gate.lead(), "four out: what the pace needs, no more lead");
        held.getFirst().ignore();
        assertEquals(100 * MS, gate.lead(), "a released call frees a place in the wave");
        held.forEach(ApiConcurrencyGate.Permit::ignore);
    }

    @Test
    void theCallsThePaceHoldsAreCountedAtTheRoundTripsSeenNotAtTheNoLoadLatency() throws Exception {
        var gate = new ApiConcurrencyGate(
                64, 64, ApiConcurrencyGate.Algorithm.VEGAS, Optional.of(new ApiPacer(160.0, ApiPacer.Ticker.SYSTEM)));
        for (int i = 0; i < 10; i++) {
            gate.fastRtt().add(100 * MS);
        }
        for (int i = 0; i < 30; i++) {
            gate.fastRtt().add(105 * MS); // answers now take 105 ms: at 160/s, 16.8 calls in flight
        }
        assertEquals(100 * MS, gate.fastRtt().nanos(), "the no-load latency stays the fastest answers'");
        List<ApiConcurrencyGate.Permit> held = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            held.add(gate.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(2))
                    .orElseThrow());
        }
        // At 100 ms, or rounded down, it would be 16: a closed loop at 16 calls of 105 ms is 152/s, under the pace.
        assertEquals(100 * MS, gate.lead(), "16 out, 17 held at 105 ms: still a lead");
        held.add(gate.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(2)).orElseThrow());
        assertEquals(0, gate.lead(), "17 out: what the pace holds, to the nearest call");
        held.forEach(ApiConcurrencyGate.Permit::ignore);
    }

    @Test
    void aContainerWhosePaceHoldsAboutOneCallGetsNoLeadPastIt() throws Exception {
        // 4 containers of a 4 x 300 ms API: 3.33/s each, 1.03 calls in flight at 310 ms.
        var gate = new ApiConcurrencyGate(
                64, 64, ApiConcurrencyGate.Algorithm.VEGAS, Optional.of(new ApiPacer(4 / 1.2, ApiPacer.Ticker.SYSTEM)));
        gate.fastRtt().add(310 * MS);
        assertEquals(310 * MS, gate.lead(), "nothing out: the first call may go at once");
        var held = gate.acquire(System.nanoTime() + TimeUnit.SECONDS.toNanos(2)).orElseThrow();
        assertEquals(0, gate.lead(), "one out is what its pace holds: rounded up to 2, the fleet held twice W");
        held.ignore();
        // Nor half a call rounded up: below two calls the count is rounded down.
        // 8 containers: 1.67/s each, half a call in flight: no lead at all.
        var eighth = new ApiConcurrencyGate(
                64, 64, ApiConcurrencyGate.Algorithm.VEGAS, Optional.of(new ApiPacer(4 / 2.4, ApiPacer.Ticker.SYSTEM)));
        eighth.fastRtt().add(310 * MS);
        assertEquals(0, eighth.lead(), "a pace of half a call in flight never runs ahead");
    }

    @Test
    void theLittleCapIsRoundedToTheNearestCallSoAFleetDoesNotAddOneCallPerContainer() {
        // One of 8 containers of a 16 x 100 ms API (20/s each) on a busy host: answers of 101 ms.
        var gate = new ApiConcurrencyGate(
                64, 64, ApiConcurrencyGate.Algorithm.VEGAS, Optional.of(new ApiPacer(20.0, ApiPacer.Ticker.SYSTEM)));
        gate.fastRtt().add(101 * MS);
        assertEquals(3, gate.littleCap(), "20/s x 101 ms x 1.5 = 3.03: 3, the fleet 24 = W + W/2, not 32");
    }
}
