package dev.offerrecorder.bench;

import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.worker.CalcApiClient;
import dev.offerrecorder.worker.JobMessage;
import dev.offerrecorder.worker.WorkerConfig;
import dev.offerrecorder.worker.WorkerService;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * Issue #15's matrix: how much of the API's ceiling W / L a fleet of worker containers holds, and what it costs
 * in rejected calls, for APIs x container counts, against the naive one-call-at-a-time worker as the floor. Each
 * container is a {@link WorkerService} built from the worker's environment as the template sets it, running an
 * endless supply of batches; the figures come from the simulator's counters over a fixed window in steady state.
 * A probe then asks what limits the fastest API (W = 32, L = 50 ms): the worker, the local stack, or the CPU.
 */
public final class WorkerBench implements Benchmark {
    /** Jobs per batch: the template's WorkerBatchSize default. */
    private static final int BATCH = Integer.getInteger("worker.bench.batch", 200);
    /** Seconds measured per run, after the warm-up. */
    private static final int WINDOW_SECONDS = Integer.getInteger("worker.bench.window", 12);
    /** Warm-up before the window: this many seconds, or 10 API latencies if longer (the limit has to grow). */
    private static final int WARMUP_SECONDS = Integer.getInteger("worker.bench.warmup", 2);

    /** What the simulator of {@link #simulator} does past its queue, for the section's text. */
    private static final String OVERLOAD = "beyond W + queue it degrades as an overloaded server does "
            + "(`Overload.DEGRADE`: every call slows by 1 + overflow / W, and past W more it stops answering for 3 s, "
            + "then answers the hung calls 503)";

    private static final Setting PROBE = new Setting(32, 50);
    private static final int PROBE_CONTAINERS = 2;

    private final JobCodec codec = new JobCodec();

    record Setting(int workers, long latencyMs) {
        double ceiling() {
            return workers * 1000.0 / latencyMs;
        }

        String label() {
            return workers + " x " + latencyMs + " ms";
        }
    }

    /**
     * One run's window.
     *
     * @param share         calls the API's workers served per second / ceiling
     * @param rejectedShare 503s / requests
     * @param rejected      503s
     * @param requests      requests that reached the API
     * @param cpuMsPerCall  process CPU ms per served call
     * @param coresUsed     process CPU seconds per wall second
     * @param machineLoad   the whole machine's CPU use (0 to 1), mean of samples over the window: other processes
     *                      share the cores
     */
    record Window(
            double share,
            double rejectedShare,
            long rejected,
            long requests,
            double cpuMsPerCall,
            double coresUsed,
            double machineLoad) {}

    @Override
    public String id() {
        return "worker";
    }

    @Override
    public String run(int repeats) throws Exception {
        // Quick looks: -Dworker.bench.settings=16x100 -Dworker.bench.containers=1,2 -Dworker.bench.window=5
        // -Dworker.bench.probe=false.
        List<Setting> settings = Arrays.stream(System.getProperty("worker.bench.settings", "4x300,16x100,8x50")
                        .split(","))
                .map(p -> p.trim().split("x"))
                .map(p -> new Setting(Integer.parseInt(p[0]), Long.parseLong(p[1])))
                .toList();
        List<Integer> containerCounts = Arrays.stream(
                        System.getProperty("worker.bench.containers", "1,2,4,8").split(","))
                .map(s -> Integer.parseInt(s.trim()))
                .toList();
        boolean probe = Boolean.parseBoolean(System.getProperty("worker.bench.probe", "true"));
        long started = System.nanoTime();
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder md = new StringBuilder("## Worker fleet: share of the API's ceiling, and rejected calls\n\n")
                .append(description(repeats, cores))
                .append("| API (W x L) | ceiling (calls/s) | containers | share of ceiling | rejected "
                        + "| CPU ms per served call | naive worker's share (floor) |\n")
                .append("|---|---|---|---|---|---|---|\n");
        Path dir = Files.createTempDirectory("worker-bench");
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local())) {
            for (Setting s : settings) {
                List<Window> naive = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    naive.add(measureWorkers(stack, s, 1, true));
                }
                double floor = median(naive, Window::share);
                System.err.printf(Locale.ROOT, "%s naive: %.2f of the ceiling%n", s.label(), floor);
                boolean first = true;
                for (int containers : containerCounts) {
                    List<Window> runs = new ArrayList<>();
                    for (int r = 0; r < repeats; r++) {
                        runs.add(measureWorkers(stack, s, containers, false));
                    }
                    String row = String.format(
                            Locale.ROOT,
                            "| %s | %.1f | %d | %.2f | %.1f %% (%d of %d) | %.2f | %s |",
                            s.label(),
                            s.ceiling(),
                            containers,
                            median(runs, Window::share),
                            100 * median(runs, Window::rejectedShare),
                            Math.round(median(runs, w -> w.rejected())),
                            Math.round(median(runs, w -> w.requests())),
                            median(runs, Window::cpuMsPerCall),
                            first ? String.format(Locale.ROOT, "%.2f", floor) : "");
                    first = false;
                    System.err.println(row);
                    md.append(row).append('\n');
                }
            }
            if (probe) {
                md.append('\n').append(probe(stack, cores));
            }
        }
        md.append(String.format(
                Locale.ROOT,
                "%nThis section took %.1f min. Reproduce: `./recorder bench --only worker` (quick look: "
                        + "`JAVA_TOOL_OPTIONS=\"-Dworker.bench.settings=16x100 -Dworker.bench.containers=1,2 "
                        + "-Dworker.bench.window=5\" ./recorder bench --only worker --repeats 1 --out /tmp/w.md`).%n",
                (System.nanoTime() - started) / 60e9));
        return md.toString();
    }

    private static String description(int repeats, int cores) {
        return "Each API is the simulator with W workers, latency L (jitter ±L/10) and a wait queue of W/2; "
                + OVERLOAD + ". Its ceiling is W / L calls per second. Each "
                + "worker container is its own `WorkerService` built from the worker's environment as template.yaml "
                + "sets it (template defaults: adaptive limit from 4 up to `API_CONCURRENCY_CEILING` 64, call "
                + "timeout 10 s, backoff 200 ms to 10 s), with `API_CAPACITY_RPS` = W / L (what an operator "
                + "tells the stack for this API) and `WORKER_MAX_CONCURRENCY` = the number of containers, writing "
                + "its raw logs to the embedded S3. Each container runs an endless supply of batches of " + BATCH
                + " jobs (the template's `WorkerBatchSize`), one after the other with no gap between them (as "
                + "with Lambda's pollers, which gather the next batch while one runs). After a warm-up of "
                + WARMUP_SECONDS
                + " s (or 10 x L, or 15 answers at a container's share, if longer: a new paced container "
                + "starts at a quarter of its share) the simulator's counters are read at the start and "
                + "end of a " + WINDOW_SECONDS
                + " s window: **share of ceiling** = calls the simulator's workers served "
                + "(any answer but the 503s turned away at the door) per second / (W / L) (counted as they finish, so calls "
                + "straddling the window's ends can lift it past 1 by up to W / (ceiling x window)); **rejected** = 503s / requests in the window (503s of requests "
                + "in brackets). Then the containers stop (no call starts any more, and the API closes so calls "
                + "waiting at a gate fail at once); nothing after the window counts. "
                + "**CPU ms per served call** is the process's CPU time over the window (`getProcessCpuTime`) "
                + "per call served: it includes the simulator, S3Proxy and the HTTP on both sides, all in this "
                + "one JVM on " + cores + " cores. The **naive worker** is the same code with "
                + "`API_CONCURRENCY_CEILING=1` (one call at a time) and no pacing, one container. A window of "
                + WINDOW_SECONDS
                + " s holds few batch ends when a container's batch takes longer than that (" + BATCH + " x "
                + "containers / ceiling seconds at full speed), so the slow APIs show the fleet inside its batches "
                + "more than at their tails. Each figure is the median of " + repeats + " runs, taken separately "
                + "per column.\n\n";
    }

    static long warmupMillis(Setting s, int containers) {
        long slowStart = (long) (15_000 * containers / s.ceiling());
        return Math.max(WARMUP_SECONDS * 1000L, Math.max(10 * s.latencyMs(), slowStart));
    }

    /** The API of a setting: W workers, a queue of W/2, jitter L/10; every run of this bench gets a fresh one. */
    private static CalcApiSimulator simulator(Setting s) throws java.io.IOException {
        return new CalcApiSimulator(
                s.workers(),
                Math.max(1, s.workers() / 2),
                s.latencyMs(),
                s.latencyMs() / 10,
                CalcApiSimulator.Overload.DEGRADE);
    }

    /** One run of {@code containers} workers against a fresh simulator: warm-up, then the window. */
    private Window measureWorkers(EmbeddedStack stack, Setting s, int containers, boolean naive) throws Exception {
        CalcApiSimulator api = simulator(s);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> fleet = new ArrayList<>();
        Window w;
        long stopping;
        try {
            Env env = stack.workerEnv(api.urlTemplate())
                    .with("API_CAPACITY_RPS", Double.toString(s.ceiling()))
                    .with("WORKER_MAX_CONCURRENCY", Integer.toString(containers));
            if (naive) {
                // One call at a time, unpaced: the floor any design must beat.
                env = env.with("API_CONCURRENCY_CEILING", "1")
                        .with("API_CAPACITY_RPS", "")
                        .with("WORKER_MAX_CONCURRENCY", "");
            }
            String limit = System.getProperty("bench.limit");
            if (limit != null) {
                env = env.with("API_LIMIT_ALGORITHM", limit);
            }
            JsonLog quiet = new JsonLog("bench", new PrintStream(OutputStream.nullOutputStream()));
            String runId = "wb-" + System.nanoTime();
            AtomicLong nextShop = new AtomicLong();
            for (int c = 0; c < containers; c++) {
                WorkerService service =
                        WorkerService.create(WorkerConfig.from(env), stack.s3(), Optional.empty(), quiet);
                fleet.add(Thread.ofPlatform().daemon().name("worker-bench-" + c).start(() -> {
                    // Once stopped, the invocation has no time left: no call starts, the batch ends at once.
                    while (!stop.get()) {
                        try {
                            service.process(batch(runId, nextShop), () -> stop.get() ? 0 : 600_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            w = window(api, s, containers);
        } finally {
            // Stop quickly: no time left means no call starts, and the closed API fails at once the calls already
            // waiting at a container's gate, so a batch ends in a moment instead of running out its queue.
            stop.set(true);
            stopping = System.nanoTime();
            api.close();
        }
        // Jobs already waiting for a paced start keep their turn until their deadline and then fail against the closed
        // API at their container's pace: let them, in the background (a few calls a second, no measurable CPU).
        for (Thread t : fleet) {
            t.join(3_000);
        }
        System.err.printf(
                Locale.ROOT,
                "  %s, %d container(s)%s: share %.2f, rejected %.1f %%, machine CPU %.0f %%, stopped in %.1f s%n",
                s.label(),
                containers,
                naive ? " (naive)" : "",
                w.share(),
                100 * w.rejectedShare(),
                100 * w.machineLoad(),
                (System.nanoTime() - stopping) / 1e9);
        return w;
    }

    private List<JobMessage> batch(String runId, AtomicLong nextShop) {
        List<JobMessage> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            long shop = nextShop.incrementAndGet();
            batch.add(new JobMessage(
                    runId + "-" + shop, codec.encode(new Job(runId, Long.toString(shop), LocalDate.of(2024, 1, 1)))));
        }
        return batch;
    }

    /**
     * Waits out the warm-up (long enough for each container's slow start, about 15 answers at its share), then
     * reads the simulator's counters and the process's CPU time over the window.
     */
    private static Window window(CalcApiSimulator api, Setting s, int containers) throws InterruptedException {
        Thread.sleep(warmupMillis(s, containers));
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var before = api.stats();
        long servedBefore = api.served();
        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        long end = start + WINDOW_SECONDS * 1_000_000_000L;
        double load = 0;
        int samples = 0;
        for (long now = start; now < end; now = System.nanoTime()) {
            Thread.sleep(Math.max(1, Math.min(500, (end - now) / 1_000_000)));
            double sample = os.getCpuLoad();
            if (sample >= 0) {
                load += sample;
                samples++;
            }
        }
        var after = api.stats();
        long served = api.served() - servedBefore;
        long cpuAfter = os.getProcessCpuTime();
        double seconds = (System.nanoTime() - start) / 1e9;
        long requests = after.requests() - before.requests();
        long rejected = after.rejected() - before.rejected();
        double cpuSeconds = (cpuAfter - cpuBefore) / 1e9;
        return new Window(
                served / seconds / s.ceiling(),
                requests == 0 ? 0 : (double) rejected / requests,
                rejected,
                requests,
                served == 0 ? 0 : 1000 * cpuSeconds / served,
                cpuSeconds / seconds,
                samples == 0 ? Double.NaN : load / samples);
    }

    /**
     * What limits W = 32, L = 50 ms: the workers (two containers) and then a bare load generator (the same HTTP
     * client, W calls in flight on virtual threads, no worker, no S3) against the same simulator, each over a
     * window; the difference in CPU per call is the worker's own.
     */
    private String probe(EmbeddedStack stack, int cores) throws Exception {
        Setting s = PROBE;
        Window worker = measureWorkers(stack, s, PROBE_CONTAINERS, false);
        Window bare = measureBare(s);
        String conclusion = conclusion(worker, bare, cores);
        System.err.println("probe: " + conclusion);
        String row = "| %s | %.2f | %.1f %% | %.2f | %.2f of %d | %.0f %% |\n";
        return "### What limits W = 32, L = 50 ms (" + String.format(Locale.ROOT, "%.0f", s.ceiling())
                + " calls/s)\n\n"
                + "One run each, same warm-up and window as above: the worker fleet (" + PROBE_CONTAINERS
                + " containers, settings as above), then a bare load generator on the same simulator settings "
                + "(`HttpClient` calls on virtual threads, at most W in flight, no worker code, no S3). The "
                + "generator's CPU per call is what the simulator and the HTTP on both sides cost; the worker's "
                + "own cost per job is the difference. Cores used = this process's CPU seconds per wall second; machine CPU "
                + "busy = the whole machine's CPU use over the window (`getCpuLoad`, sampled every 0.5 s), other "
                + "processes included.\n\n"
                + "| load | share of ceiling | rejected | CPU ms per served call | cores used | machine CPU busy |\n"
                + "|---|---|---|---|---|---|\n"
                + String.format(
                        Locale.ROOT,
                        row,
                        "worker, " + PROBE_CONTAINERS + " containers",
                        worker.share(),
                        100 * worker.rejectedShare(),
                        worker.cpuMsPerCall(),
                        worker.coresUsed(),
                        cores,
                        100 * worker.machineLoad())
                + String.format(
                        Locale.ROOT,
                        row,
                        "bare generator",
                        bare.share(),
                        100 * bare.rejectedShare(),
                        bare.cpuMsPerCall(),
                        bare.coresUsed(),
                        cores,
                        100 * bare.machineLoad())
                + String.format(
                        Locale.ROOT,
                        "%nWorker's own CPU per job (worker minus bare generator): %.2f ms.%n%n",
                        Math.max(0, worker.cpuMsPerCall() - bare.cpuMsPerCall()))
                + "Conclusion (computed from the figures above): " + conclusion + "\n";
    }

    /** The bare generator: W calls in flight against a fresh simulator, over the same warm-up and window. */
    private static Window measureBare(Setting s) throws Exception {
        CalcApiSimulator api = simulator(s);
        HttpClient http = CalcApiClient.newHttpClient();
        Semaphore inFlight = new Semaphore(s.workers());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong shop = new AtomicLong();
        Window w;
        Thread generator = null;
        try {
            generator = Thread.ofPlatform().name("bare-generator").start(() -> {
                while (!stop.get()) {
                    try {
                        inFlight.acquire();
                    } catch (InterruptedException e) {
                        return;
                    }
                    URI uri = URI.create(api.urlTemplate()
                            .replace("{shopId}", Long.toString(shop.incrementAndGet()))
                            .replace("{date}", "2024-01-01"));
                    Thread.ofVirtual().start(() -> {
                        try {
                            http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                        } catch (Exception e) {
                            // counted by the simulator, or not at all; the share shows it
                        } finally {
                            inFlight.release();
                        }
                    });
                }
            });
            w = window(api, s, 1);
        } finally {
            stop.set(true);
            api.close();
        }
        generator.join(10_000);
        inFlight.acquire(s.workers());
        return w;
    }

    /** One line from the probe's figures: the CPU, the local stack, or the worker. */
    static String conclusion(Window worker, Window bare, int cores) {
        String cpu = String.format(
                Locale.ROOT,
                "process used %.1f of %d cores, machine CPU %.0f %% busy",
                worker.coresUsed(),
                cores,
                100 * worker.machineLoad());
        if (worker.share() >= 0.95) {
            return String.format(
                    Locale.ROOT,
                    "nothing limits below 0.95: the workers held %.2f of the ceiling (%s).",
                    worker.share(),
                    cpu);
        }
        if (worker.coresUsed() >= 0.85 * cores || worker.machineLoad() >= 0.9) {
            return String.format(
                    Locale.ROOT,
                    "CPU-bound: %s while the workers held %.2f of the ceiling (a bare generator "
                            + "%.2f at %.2f ms of CPU per call, the workers %.2f ms).",
                    cpu,
                    worker.share(),
                    bare.share(),
                    bare.cpuMsPerCall(),
                    worker.cpuMsPerCall());
        }
        if (bare.share() < 0.95) {
            return String.format(
                    Locale.ROOT,
                    "the local stack limits: even a bare generator holds only %.2f of the ceiling (the workers "
                            + "%.2f), with CPU to spare (%s).",
                    bare.share(),
                    worker.share(),
                    cpu);
        }
        return String.format(
                Locale.ROOT,
                "the worker limits: a bare generator holds %.2f of the ceiling on the same simulator, the workers "
                        + "%.2f, with CPU to spare (%s).",
                bare.share(),
                worker.share(),
                cpu);
    }

    private static double median(List<Window> runs, ToDoubleFunction<Window> figure) {
        double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
