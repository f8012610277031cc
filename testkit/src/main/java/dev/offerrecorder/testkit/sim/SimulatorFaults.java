package dev.offerrecorder.testkit.sim;

import java.util.Map;
import java.util.Set;

/**
 * Faults the simulator injects: a random 500 rate, a 429 rate (with Retry-After), shops that always fail (500)
 * or answer garbage (an HTML page with 200), a full outage, extra latency (beyond the worker's timeout), a
 * random share of otherwise good answers replaced by garbage bodies ({@link CalcApiSimulator#GARBAGE_BODIES}),
 * and canned replies for chosen shops.
 */
public record SimulatorFaults(
        double errorRate,
        double throttleRate,
        Set<String> failingShops,
        Set<String> garbageShops,
        boolean outage,
        long extraLatencyMs,
        double garbageRate,
        Map<String, CannedReply> cannedReplies) {
    public SimulatorFaults {
        failingShops = Set.copyOf(failingShops);
        garbageShops = Set.copyOf(garbageShops);
        cannedReplies = Map.copyOf(cannedReplies);
    }

    /** The original six faults, without garbage rate or canned replies. */
    public SimulatorFaults(
            double errorRate,
            double throttleRate,
            Set<String> failingShops,
            Set<String> garbageShops,
            boolean outage,
            long extraLatencyMs) {
        this(errorRate, throttleRate, failingShops, garbageShops, outage, extraLatencyMs, 0, Map.of());
    }

    public static SimulatorFaults none() {
        return new SimulatorFaults(0, 0, Set.of(), Set.of(), false, 0, 0, Map.of());
    }

    public SimulatorFaults withErrorRate(double rate) {
        return new SimulatorFaults(
                rate, throttleRate, failingShops, garbageShops, outage, extraLatencyMs, garbageRate, cannedReplies);
    }

    public SimulatorFaults withThrottleRate(double rate) {
        return new SimulatorFaults(
                errorRate, rate, failingShops, garbageShops, outage, extraLatencyMs, garbageRate, cannedReplies);
    }

    public SimulatorFaults withFailingShops(Set<String> shops) {
        return new SimulatorFaults(
                errorRate, throttleRate, shops, garbageShops, outage, extraLatencyMs, garbageRate, cannedReplies);
    }

    public SimulatorFaults withGarbageShops(Set<String> shops) {
        return new SimulatorFaults(
                errorRate, throttleRate, failingShops, shops, outage, extraLatencyMs, garbageRate, cannedReplies);
    }

    public SimulatorFaults withOutage(boolean down) {
        return new SimulatorFaults(
                errorRate, throttleRate, failingShops, garbageShops, down, extraLatencyMs, garbageRate, cannedReplies);
    }

    public SimulatorFaults withExtraLatency(long ms) {
        return new SimulatorFaults(
                errorRate, throttleRate, failingShops, garbageShops, outage, ms, garbageRate, cannedReplies);
    }

    /** A share of the answers that would be good (200 with the offer) becomes a garbage 200 instead. */
    public SimulatorFaults withGarbageRate(double rate) {
        return new SimulatorFaults(
                errorRate, throttleRate, failingShops, garbageShops, outage, extraLatencyMs, rate, cannedReplies);
    }

    /** Shops answered with a fixed reply (after latency and outage, before every other fault). */
    public SimulatorFaults withCannedReplies(Map<String, CannedReply> replies) {
        return new SimulatorFaults(
                errorRate, throttleRate, failingShops, garbageShops, outage, extraLatencyMs, garbageRate, replies);
    }
}
