package dev.offerrecorder.local.sim;

import java.util.Set;

/**
 * Faults the simulator injects: a random 500 rate, a 429 rate (with Retry-After), shops that always fail (500)
 * or answer garbage (an HTML page with 200), a full outage, and extra latency (beyond the worker's timeout).
 */
public record SimulatorFaults(double errorRate, double throttleRate, Set<String> failingShops,
                              Set<String> garbageShops, boolean outage, long extraLatencyMs) {
    public SimulatorFaults {
        failingShops = Set.copyOf(failingShops);
        garbageShops = Set.copyOf(garbageShops);
    }

    public static SimulatorFaults none() {
        return new SimulatorFaults(0, 0, Set.of(), Set.of(), false, 0);
    }

    public SimulatorFaults withErrorRate(double rate) {
        return new SimulatorFaults(rate, throttleRate, failingShops, garbageShops, outage, extraLatencyMs);
    }

    public SimulatorFaults withThrottleRate(double rate) {
        return new SimulatorFaults(errorRate, rate, failingShops, garbageShops, outage, extraLatencyMs);
    }

    public SimulatorFaults withFailingShops(Set<String> shops) {
        return new SimulatorFaults(errorRate, throttleRate, shops, garbageShops, outage, extraLatencyMs);
    }

    public SimulatorFaults withGarbageShops(Set<String> shops) {
        return new SimulatorFaults(errorRate, throttleRate, failingShops, shops, outage, extraLatencyMs);
    }

    public SimulatorFaults withOutage(boolean down) {
        return new SimulatorFaults(errorRate, throttleRate, failingShops, garbageShops, down, extraLatencyMs);
    }

    public SimulatorFaults withExtraLatency(long ms) {
        return new SimulatorFaults(errorRate, throttleRate, failingShops, garbageShops, outage, ms);
    }
}
