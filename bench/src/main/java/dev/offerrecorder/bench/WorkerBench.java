package dev.offerrecorder.bench;

import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.worker.BatchResult;
import dev.offerrecorder.worker.JobMessage;
import dev.offerrecorder.worker.WorkerConfig;
import dev.offerrecorder.worker.WorkerService;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Worker throughput against the simulator's ceiling W / L: the adaptive worker (one container, and two sharing
 * the API) versus a naive worker that calls one job at a time. Same simulator, same embedded S3, same run.
 */
public final class WorkerBench implements Benchmark {
    /**
     * Jobs per batch. At the simulator's speed 1,000 keeps about the ratio of batch time to a `Retry-After` of
     * 1 s that the template's 200 have at the real API's (docs/worker.md); -Dworker.bench.batch=N to compare.
     */
    private static final int BATCH = Integer.getInteger("worker.bench.batch", 1000);

    private final JobCodec codec = new JobCodec();

    record Setting(int workers, long latencyMs) {
        double ceiling() {
            return workers * 1000.0 / latencyMs;
        }
    }

    record Figures(double jobsPerSecond, double rejectedShare, int finalLimit) {}

    @Override
    public String id() {
        return "worker";
    }

    @Override
    public String run(int repeats) throws Exception {
        // -Dworker.bench.settings=4x100,8x50 picks (W, L) pairs for a quicker look.
        List<Setting> settings = Arrays.stream(System.getProperty("worker.bench.settings", "4x100,8x50,16x25")
                        .split(","))
                .map(p -> p.trim().split("x"))
                .map(p -> new Setting(Integer.parseInt(p[0]), Long.parseLong(p[1])))
                .toList();
        StringBuilder md = new StringBuilder("## Worker: throughput as a fraction of the API ceiling\n\n")
                .append("Simulator: W workers, latency L (±10 % jitter), wait queue of W/2, 503 with `Retry-After: 1` "
                        + "beyond it. Worker: `WorkerService` with the embedded S3, batches of " + BATCH + " jobs "
                        + "(at least " + BATCH + " jobs or 3 s of the ceiling's work per run), adaptive limit (Vegas "
                        + "alpha 2, beta 3, threshold 0, x0.75 on a drop, behind `RejectionRttGuard`; see "
                        + "[worker.md](worker.md)) from 4 up to a ceiling of 64; two containers each have their "
                        + "own gate. The naive worker is the same code with `API_CONCURRENCY_CEILING=1` (one call at "
                        + "a time). Medians of " + repeats + " runs.\n\n")
                .append("| W | L (ms) | ceiling (jobs/s) | adaptive, 1 container | rejected | final limit "
                        + "| adaptive, 2 containers | rejected | naive (1 at a time) | adaptive / naive |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        Path dir = Files.createTempDirectory("worker-bench");
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local())) {
            for (Setting s : settings) {
                List<Figures> one = new ArrayList<>();
                List<Figures> two = new ArrayList<>();
                List<Figures> naive = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    int jobs = (int) Math.max(BATCH, s.ceiling() * 3);
                    one.add(measure(stack, s, jobs, 1, 64, "one-" + r));
                    two.add(measure(stack, s, jobs, 2, 64, "two-" + r));
                    naive.add(measure(stack, s, Math.max(20, jobs / s.workers()), 1, 1, "naive-" + r));
                }
                Figures a = median(one);
                Figures b = median(two);
                Figures n = median(naive);
                String row = String.format(
                        Locale.ROOT,
                        "| %d | %d | %.0f | %.1f/s (%.0f %%) | %.1f %% | %d | %.1f/s (%.0f %%) | %.1f %% | %.1f/s (%.0f %%) | %.1f x |",
                        s.workers(),
                        s.latencyMs(),
                        s.ceiling(),
                        a.jobsPerSecond(),
                        100 * a.jobsPerSecond() / s.ceiling(),
                        100 * a.rejectedShare(),
                        a.finalLimit(),
                        b.jobsPerSecond(),
                        100 * b.jobsPerSecond() / s.ceiling(),
                        100 * b.rejectedShare(),
                        n.jobsPerSecond(),
                        100 * n.jobsPerSecond() / s.ceiling(),
                        a.jobsPerSecond() / n.jobsPerSecond());
                System.err.println(row);
                md.append(row).append('\n');
            }
        }
        md.append("\nReproduce: `./recorder bench --only worker`.\n");
        return md.toString();
    }

    private Figures measure(EmbeddedStack stack, Setting s, int jobs, int containers, int ceiling, String runId)
            throws Exception {
        try (var api =
                new CalcApiSimulator(s.workers(), Math.max(1, s.workers() / 2), s.latencyMs(), s.latencyMs() / 10)) {
            Env env = stack.workerEnv(api.urlTemplate())
                    .with("API_CONCURRENCY_CEILING", Integer.toString(ceiling))
                    .with("API_LIMIT_ALGORITHM", System.getProperty("bench.limit", "vegas"))
                    .with("API_BACKOFF_BASE_MS", "50")
                    .with("API_BACKOFF_MAX_MS", "1000");
            JsonLog quiet = new JsonLog("bench", new PrintStream(OutputStream.nullOutputStream()));
            List<WorkerService> services = new ArrayList<>();
            for (int c = 0; c < containers; c++) {
                services.add(WorkerService.create(WorkerConfig.from(env), stack.s3(), Optional.empty(), quiet));
            }
            List<List<JobMessage>> batches = new ArrayList<>();
            for (int i = 0; i < jobs; i += BATCH) {
                List<JobMessage> batch = new ArrayList<>();
                for (int j = i; j < Math.min(jobs, i + BATCH); j++) {
                    batch.add(new JobMessage(
                            runId + "-" + j,
                            codec.encode(new Job(runId, Integer.toString(j + 1), LocalDate.of(2024, 1, 1)))));
                }
                batches.add(batch);
            }
            long start = System.nanoTime();
            int[] lastLimit = new int[1];
            try (var pool = Executors.newFixedThreadPool(containers)) {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < containers; c++) {
                    WorkerService service = services.get(c);
                    int offset = c;
                    running.add(pool.submit(() -> {
                        for (int b = offset; b < batches.size(); b += containers) {
                            BatchResult r = service.process(batches.get(b), () -> 600_000);
                            if (!r.failedMessageIds().isEmpty()) {
                                throw new IllegalStateException(
                                        r.failedMessageIds().size() + " jobs failed");
                            }
                            lastLimit[0] = r.concurrencyLimit();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            var stats = api.stats();
            return new Figures(jobs / seconds, (double) stats.rejected() / stats.requests(), lastLimit[0]);
        }
    }

    private static Figures median(List<Figures> runs) {
        List<Figures> sorted = new ArrayList<>(runs);
        sorted.sort((x, y) -> Double.compare(x.jobsPerSecond(), y.jobsPerSecond()));
        return sorted.get(sorted.size() / 2);
    }
}
