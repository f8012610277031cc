package dev.offerrecorder.local.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The local pipeline tells each worker container what template.yaml tells it: the API's capacity (here the
 * simulator's ceiling W / L, as an operator would say it) and the event source's MaximumConcurrency, so each paces
 * at its share.
 */
@WithEmbeddedStack
class LocalWorkerEnvTest {
    static EmbeddedStack stack;

    private static PipelineOptions options(int containers) {
        return PipelineOptions.defaults(Path.of("unused")).withWorker(200, containers, Duration.ofSeconds(60));
    }

    @Test
    void eachContainerIsToldTheSimulatorsCeilingAndTheContainerCount() throws Exception {
        try (var api = new CalcApiSimulator(16, 8, 100, 20)) {
            Env env = LocalPipeline.workerEnv(stack, api, options(8));
            assertEquals(160.0, Double.parseDouble(env.require("API_CAPACITY_RPS")), 1e-9);
            assertEquals("8", env.require("WORKER_MAX_CONCURRENCY"));
            assertEquals(20.0, WorkerConfig.from(env).apiShareRps().orElseThrow(), 1e-9);
        }
    }

    @Test
    void theOperatorsFigureWinsAndABlankOneTurnsPacingOff() throws Exception {
        try (var api = new CalcApiSimulator(16, 8, 100, 20)) {
            Env told = LocalPipeline.workerEnv(stack, api, options(4).withWorkerEnv(Map.of("API_CAPACITY_RPS", "100")));
            assertEquals(25.0, WorkerConfig.from(told).apiShareRps().orElseThrow(), 1e-9);
            Env unpaced = LocalPipeline.workerEnv(stack, api, options(4).withWorkerEnv(Map.of("API_CAPACITY_RPS", "")));
            assertTrue(WorkerConfig.from(unpaced).apiShareRps().isEmpty());
        }
    }
}
