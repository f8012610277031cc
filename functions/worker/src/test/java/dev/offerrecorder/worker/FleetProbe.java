package dev.offerrecorder.worker;

import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: a quick look at a paced fleet's share of the API's ceiling, printed, for direction only (no SQS, a
 * shared machine). Run with {@code -Dtest=FleetProbe -Dfleet.probe=true}; {@code ./recorder bench --only worker}
 * is the measurement.
 */
@WithEmbeddedStack
@EnabledIfSystemProperty(named = "fleet.probe", matches = "true")
class FleetProbe {
    static EmbeddedStack stack;

    @Test
    void probe() throws Exception {
        int[][] rows = {{4, 300, 4}, {16, 100, 8}, {8, 50, 2}, {16, 100, 1}};
        for (int[] row : rows) {
            for (boolean paced : new boolean[] {true, false}) {
                run(row[0], row[1], row[2], paced, Integer.getInteger("fleet.batches", 3));
            }
        }
    }

    private void run(int w, int latencyMs, int containers, boolean paced, int batchesPerContainer) throws Exception {
        var codec = new JobCodec();
        try (var api = new CalcApiSimulator(w, w / 2, latencyMs, latencyMs / 5)) {
            Env env = stack.workerEnv(api.urlTemplate())
                    .with("API_BACKOFF_BASE_MS", "50")
                    .with("API_BACKOFF_MAX_MS", "1000")
                    .with("API_CALL_TIMEOUT_MS", "5000")
                    .with("WRITE_RESERVE_MS", "2000");
            if (paced) {
                env = env.with("API_CAPACITY_RPS", Double.toString(api.ceilingPerSecond()))
                        .with("WORKER_MAX_CONCURRENCY", Integer.toString(containers));
            }
            var log = new JsonLog("probe", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            String run = "probe-" + w + "-" + latencyMs + "-" + containers + "-" + paced;
            var batches = new ConcurrentLinkedQueue<List<JobMessage>>();
            int shop = 1;
            for (int b = 0; b < containers * batchesPerContainer; b++) {
                List<JobMessage> batch = new ArrayList<>();
                for (int i = 0; i < 200; i++, shop++) {
                    batch.add(new JobMessage(
                            "m" + shop, codec.encode(new Job(run, Integer.toString(shop), LocalDate.of(2024, 6, 1)))));
                }
                batches.add(batch);
            }
            int jobs = shop - 1;
            var failed = new AtomicInteger();
            long start = System.nanoTime();
            try (var pool = Executors.newFixedThreadPool(containers)) {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < containers; c++) {
                    WorkerService service =
                            WorkerService.create(WorkerConfig.from(env), stack.s3(), Optional.empty(), log);
                    running.add(pool.submit(() -> {
                        List<JobMessage> batch;
                        while ((batch = batches.poll()) != null) {
                            failed.addAndGet(service.process(batch, () -> 600_000)
                                    .failedMessageIds()
                                    .size());
                        }
                        return null;
                    }));
                }
                for (var f : running) {
                    f.get();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            var stats = api.stats();
            System.out.printf(
                    "probe W=%d L=%d containers=%d paced=%s jobs=%d failed=%d share=%.3f rejected=%d/%d (%.2f%%) "
                            + "peak=%d%n",
                    w,
                    latencyMs,
                    containers,
                    paced,
                    jobs,
                    failed.get(),
                    (jobs - failed.get()) / seconds / api.ceilingPerSecond(),
                    stats.rejected(),
                    stats.requests(),
                    100.0 * stats.rejected() / stats.requests(),
                    stats.peakConcurrency());
        }
    }
}
