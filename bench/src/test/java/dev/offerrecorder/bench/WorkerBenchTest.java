package dev.offerrecorder.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.bench.WorkerBench.Window;
import org.junit.jupiter.api.Test;

/** The probe's one-line conclusion follows its figures. */
class WorkerBenchTest {
    private static Window run(double share, double cores, double machine) {
        return new Window(share, 0, 0, 1000, 1.0, cores, machine);
    }

    @Test
    void aSaturatedProcessOrMachineIsCpuBound() {
        assertTrue(WorkerBench.conclusion(run(0.7, 1.9, 0.95), run(0.98, 1.0, 0.5), 2)
                .startsWith("CPU-bound: process used 1.9 of 2 cores"));
        assertTrue(WorkerBench.conclusion(run(0.7, 0.9, 0.97), run(0.98, 1.0, 0.5), 2)
                .startsWith("CPU-bound"));
    }

    @Test
    void withCpuToSpareTheBareGeneratorTellsTheStackFromTheWorker() {
        assertTrue(WorkerBench.conclusion(run(0.7, 1.0, 0.5), run(0.98, 0.8, 0.4), 2)
                .startsWith("the worker limits"));
        assertTrue(WorkerBench.conclusion(run(0.7, 1.0, 0.5), run(0.8, 0.8, 0.4), 2)
                .startsWith("the local stack limits"));
        assertTrue(WorkerBench.conclusion(run(0.96, 1.9, 0.99), run(0.98, 0.8, 0.4), 2)
                .startsWith("nothing limits"));
    }
}
