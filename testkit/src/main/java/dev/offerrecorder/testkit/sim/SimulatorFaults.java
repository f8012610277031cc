package dev.offerrecorder.testkit.sim;

import java.util.Map;
import java.util.Set;

/**
 * Faults the simulator injects: a random 500 rate, a 429 rate (with Retry-After), shops that always fail (500)
 * or answer garbage (an HTML page with 200), a full outage, extra latency (beyond the worker's timeout), a
 * random share of otherwise good answers replaced by garbage bodies ({@link CalcApiSimulator#GARBAGE_BODIES}),
 * canned replies for chosen shops, and shops whose answer stalls mid-body (status and headers sent, then half the
 * body, then nothing for {@code stallMs} or until the simulator closes).
 */
public record SimulatorFaults(
        double errorRate,
        double throttleRate,
        Set<String> failingShops,
        Set<String> garbageShops,
        boolean outage,
        long extraLatencyMs,
        double garbageRate,
        Map<String, CannedReply> cannedReplies,
        Set<String> stalledShops,
        long stallMs) {
    public SimulatorFaults {
        failingShops = Set.copyOf(failingShops);
        garbageShops = Set.copyOf(garbageShops);
        cannedReplies = Map.copyOf(cannedReplies);
        stalledShops = Set.copyOf(stalledShops);
    }

    /** The eight faults before stalled bodies. */
    public SimulatorFaults(
            double errorRate,
            double throttleRate,
            Set<String> failingShops,
            Set<String> garbageShops,
            boolean outage,
            long extraLatencyMs,
            double garbageRate,
            Map<String, CannedReply> cannedReplies) {
        this(
                errorRate,
                throttleRate,
                failingShops,
                garbageShops,
                outage,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                Set.of(),
                0);
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
        return new SimulatorFaults(0, 0, Set.of(), Set.of(), false, 0, 0, Map.of(), Set.of(), 0);
    }

    public SimulatorFaults withErrorRate(double rate) {
        return new SimulatorFaults(
                rate,
                throttleRate,
                failingShops,
                garbageShops,
                outage,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    public SimulatorFaults withThrottleRate(double rate) {
        return new SimulatorFaults(
                errorRate,
                rate,
                failingShops,
                garbageShops,
                outage,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    public SimulatorFaults withFailingShops(Set<String> shops) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                shops,
                garbageShops,
                outage,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    public SimulatorFaults withGarbageShops(Set<String> shops) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                failingShops,
                shops,
                outage,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    public SimulatorFaults withOutage(boolean down) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                failingShops,
                garbageShops,
                down,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    public SimulatorFaults withExtraLatency(long ms) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                failingShops,
                garbageShops,
                outage,
                ms,
                garbageRate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    /** A share of the answers that would be good (200 with the offer) becomes a garbage 200 instead. */
    public SimulatorFaults withGarbageRate(double rate) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                failingShops,
                garbageShops,
                outage,
                extraLatencyMs,
                rate,
                cannedReplies,
                stalledShops,
                stallMs);
    }

    /** Shops answered with a fixed reply (after latency and outage, before every other fault). */
    public SimulatorFaults withCannedReplies(Map<String, CannedReply> replies) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                failingShops,
                garbageShops,
                outage,
                extraLatencyMs,
                garbageRate,
                replies,
                stalledShops,
                stallMs);
    }

    /**
     * Shops whose good answer stalls after its headers and half its body, for {@code ms} (or until the simulator
     * closes): what a hung upstream or a dead proxy looks like to a client that already has the status line.
     */
    public SimulatorFaults withStalledBodies(Set<String> shops, long ms) {
        return new SimulatorFaults(
                errorRate,
                throttleRate,
                failingShops,
                garbageShops,
                outage,
                extraLatencyMs,
                garbageRate,
                cannedReplies,
                shops,
                ms);
    }
}
