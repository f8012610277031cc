package dev.offerrecorder.bench;

import dev.offerrecorder.fanout.JobPublisher;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Enqueue throughput of fan-out against ElasticMQ: {@link JobPublisher} (SendMessageBatch, many requests in
 * flight) against one SendMessage per job, sequentially, as a naive fan-out would do it. Two more rows separate
 * the two effects: batches sent one at a time, and single sends with the same concurrency. Every variant sends
 * the same job bodies to the same queue through the same SDK client; the queue is purged and checked between runs.
 */
public final class FanoutBench implements Benchmark {
    private static final int JOBS = Integer.getInteger("fanout.bench.jobs", 20_000);
    /** Single sends are 10-30x slower: a quarter of the jobs gives as steady a rate in a fraction of the time. */
    private static final int SINGLE_JOBS = Math.max(1, JOBS / 4);

    private static final int CONCURRENCY = Integer.getInteger("fanout.bench.concurrency", 16);

    @Override
    public String id() {
        return "fanout";
    }

    private java.util.Map<Integer, JobPublisher> publishers;

    private record Variant(String name, String description, int jobs) {}

    @Override
    public String run(int repeats) throws Exception {
        Path dir = Files.createTempDirectory("fanout-bench");
        List<Job> jobs = new ArrayList<>(JOBS);
        LocalDate day = LocalDate.of(2024, 1, 1);
        for (int i = 0; i < JOBS; i++) {
            jobs.add(new Job("bench-run", "S" + (i % 5_000), day.plusDays(i / 5_000)));
        }
        List<Variant> variants = List.of(
                new Variant(
                        "publisher",
                        "JobPublisher: SendMessageBatch x10, " + CONCURRENCY + " requests in flight",
                        JOBS),
                new Variant("batch-sequential", "SendMessageBatch x10, one request at a time", JOBS),
                new Variant(
                        "single-concurrent",
                        "SendMessage per job, " + CONCURRENCY + " requests in flight",
                        SINGLE_JOBS),
                new Variant("single-sequential", "SendMessage per job, one request at a time (naive)", SINGLE_JOBS));
        double[][] rates = new double[variants.size()][repeats];
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local())) {
            SqsClient sqs = stack.sqs();
            String queue = stack.url(stack.layout().jobQueue());
            publishers = java.util.Map.of(
                    CONCURRENCY, new JobPublisher(sqs, queue, CONCURRENCY), 1, new JobPublisher(sqs, queue, 1));
            // Warm-up: class loading and JIT of the SDK and of ElasticMQ take tens of thousands of requests; without
            // it the first measured run is several times slower than the rest.
            for (Variant v : variants) {
                send(v.name(), sqs, queue, jobs.subList(0, v.jobs() / 2));
                purge(sqs, queue);
            }
            for (int r = 0; r < repeats; r++) {
                // Interleaved, so a drift of the machine over time hits every variant alike.
                for (int v = 0; v < variants.size(); v++) {
                    List<Job> sent = jobs.subList(0, variants.get(v).jobs());
                    long t0 = System.nanoTime();
                    send(variants.get(v).name(), sqs, queue, sent);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    long queued = depth(sqs, queue);
                    if (queued != sent.size()) {
                        throw new IllegalStateException(variants.get(v).name() + " left " + queued
                                + " messages on the queue, expected " + sent.size());
                    }
                    rates[v][r] = sent.size() / seconds;
                    System.err.printf(
                            Locale.ROOT,
                            "fanout: %-18s run %d: %,.0f jobs/s%n",
                            variants.get(v).name(),
                            r + 1,
                            rates[v][r]);
                    purge(sqs, queue);
                }
            }
        }
        double[] medians = Arrays.stream(rates).mapToDouble(FanoutBench::median).toArray();
        double naive = medians[variants.size() - 1];
        StringBuilder md = new StringBuilder("## Fan-out: enqueue throughput (`fanout`)\n\n")
                .append("Jobs enqueued per second into ElasticMQ (in this JVM, loopback HTTP) through the AWS SDK v2 "
                        + "with the URL-connection HTTP client, as fan-out sends them. ")
                .append(String.format(
                        Locale.ROOT,
                        "%,d jobs per run (%,d for the single-send variants), median of %d "
                                + "runs, variants interleaved after a warm-up; ratio = median / median of the naive variant, "
                                + "from this same run.%n%n",
                        JOBS,
                        SINGLE_JOBS,
                        repeats))
                .append("| variant | jobs/s (median) | runs | vs naive |\n|---|---:|---|---:|\n");
        for (int v = 0; v < variants.size(); v++) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f | %s | %.1fx |%n",
                    variants.get(v).description(),
                    medians[v],
                    Arrays.stream(rates[v])
                            .mapToObj(x -> String.format(Locale.ROOT, "%,.0f", x))
                            .toList(),
                    medians[v] / naive));
        }
        md.append(String.format(
                        Locale.ROOT,
                        "%nSettings: %d cores (system load average %.1f at the end, other work "
                                + "included), SEND_CONCURRENCY=%d, http.maxConnections=%s (JDK keep-alive cache per host; "
                                + "default 5). ElasticMQ runs in the same JVM and competes for the same cores; against real "
                                + "SQS each request waits on the network instead, so requests in flight matter more, not "
                                + "less.%n%n",
                        Runtime.getRuntime().availableProcessors(),
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                                .getSystemLoadAverage(),
                        CONCURRENCY,
                        System.getProperty("http.maxConnections", "default")))
                .append("Reproduce: `./recorder bench --only fanout` (`--repeats N`; sizes through "
                        + "`JAVA_TOOL_OPTIONS=\"-Dfanout.bench.jobs=20000 -Dfanout.bench.concurrency=16\"`).\n");
        System.err.printf(
                Locale.ROOT,
                "fanout: publisher %,.0f jobs/s vs naive %,.0f jobs/s: %.1fx%n",
                medians[0],
                naive,
                medians[0] / naive);
        return md.toString();
    }

    private void send(String variant, SqsClient sqs, String queue, List<Job> jobs) throws Exception {
        JobCodec codec = new JobCodec();
        switch (variant) {
            case "publisher" -> publishers.get(CONCURRENCY).publishAll(jobs);
            case "batch-sequential" -> publishers.get(1).publishAll(jobs);
            case "single-sequential" -> {
                for (Job job : jobs) {
                    sqs.sendMessage(r -> r.queueUrl(queue).messageBody(codec.encode(job)));
                }
            }
            case "single-concurrent" -> {
                ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
                try {
                    List<Future<?>> futures = new ArrayList<>();
                    int per = Math.ceilDiv(jobs.size(), CONCURRENCY);
                    for (int t = 0; t < CONCURRENCY; t++) {
                        List<Job> part =
                                jobs.subList(Math.min(jobs.size(), t * per), Math.min(jobs.size(), (t + 1) * per));
                        futures.add(pool.submit(() -> part.forEach(
                                job -> sqs.sendMessage(r -> r.queueUrl(queue).messageBody(codec.encode(job))))));
                    }
                    for (Future<?> f : futures) {
                        f.get();
                    }
                } finally {
                    pool.shutdown();
                }
            }
            default -> throw new IllegalArgumentException(variant);
        }
    }

    private static long depth(SqsClient sqs, String queue) {
        return Long.parseLong(sqs.getQueueAttributes(
                        r -> r.queueUrl(queue).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private static void purge(SqsClient sqs, String queue) throws InterruptedException {
        sqs.purgeQueue(r -> r.queueUrl(queue));
        for (int i = 0; i < 100 && depth(sqs, queue) > 0; i++) {
            Thread.sleep(20);
        }
    }

    /** Runs this benchmark alone: {@code FanoutBench [repeats]}; {@code ./recorder bench --only fanout} is the
     * usual way. */
    public static void main(String[] args) throws Exception {
        System.out.println(new FanoutBench().run(args.length > 0 ? Integer.parseInt(args[0]) : 3));
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
