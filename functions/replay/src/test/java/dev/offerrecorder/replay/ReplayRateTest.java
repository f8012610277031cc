package dev.offerrecorder.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReplayRateTest {
    @Test
    void rateIsTheHeadroomShareOfTheApiCapacity() {
        assertEquals(25, ReplayService.rateFor(50, 0.5));
        assertEquals(7, ReplayService.rateFor(15, 0.5), "rounded down: never above the share");
    }

    @Test
    void rateStaysWithinWhatSqsAccepts() {
        assertEquals(1, ReplayService.rateFor(1, 0.1), "a tiny API still gets one message a second");
        assertEquals(ReplayService.SQS_MAX_RATE, ReplayService.rateFor(100_000, 1.0));
    }

    @Test
    void nonsenseCapacityOrHeadroomIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ReplayService.rateFor(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> ReplayService.rateFor(50, 0));
        assertThrows(IllegalArgumentException.class, () -> ReplayService.rateFor(50, 1.5));
        assertThrows(IllegalArgumentException.class, () -> ReplayService.rateFor(Double.NaN, 0.5));
    }
}
