package dev.offerrecorder.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.transform.ParquetPartitionWriter;
import dev.offerrecorder.transform.QuarantineFile;
import dev.offerrecorder.transform.RawLogConverter;
import dev.offerrecorder.transform.ZstdPageCodec;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Transform throughput: gzip JSON Lines to typed ZSTD Parquet, on local disk (S3 left out), at the sizes the
 * transform really sees, next to the same conversion done by DuckDB's {@code COPY (SELECT ... FROM read_json(...))
 * TO ...} in the same run. Cases: one raw object of 200, 1,000 and 10,000 records (one worker batch each; Java
 * writes it to its own file with a fresh {@code ParquetPartitionWriter} and {@code QuarantineFile}, DuckDB runs one
 * COPY of it to one file); a batch of 100 objects of 200 records into one file (what one transform invocation
 * does: Java converts them one after another into one writer, each with its own quarantine; DuckDB runs one COPY
 * reading the 100 files as a list, {@code filename} as source_object); and single inputs of 100,000 and 500,000
 * records. Both run on one thread: the transform is single-threaded by design and DuckDB is held to {@code SET
 * threads = 1}. The per-core figure is records per CPU-second of the process (JIT and GC included for Java;
 * DuckDB's native thread for DuckDB), which other load on the machine disturbs far less than wall time. A case
 * shorter than {@link #MIN_CPU_SECONDS} of CPU is repeated within one measurement until it reaches it, so small
 * objects are not measured at the clock's resolution.
 */
public final class TransformBench implements Benchmark {
    /** {@code objects} raw objects of {@code records} each, converted into one file ({@code batch}) or one each. */
    record Case(String name, int objects, int records, boolean batch) {
        long total() {
            return (long) objects * records;
        }
    }

    static final List<Case> CASES = List.of(
            new Case("one object", 1, 200, false),
            new Case("one object", 1, 1_000, false),
            new Case("one object", 1, 10_000, false),
            new Case("batch of 100 objects, one file", 100, 200, true),
            new Case("one input", 1, 100_000, false),
            new Case("one input", 1, 500_000, false));

    /**
     * {@code -Dtransform.bench.records=200,10000} runs only the cases of those record counts per object (quick
     * iterations); all cases by default.
     */
    static List<Case> cases() {
        String only = System.getProperty("transform.bench.records", "");
        if (only.isBlank()) {
            return CASES;
        }
        List<String> wanted = Arrays.stream(only.split(",")).map(String::trim).toList();
        return CASES.stream()
                .filter(c -> wanted.contains(Integer.toString(c.records())))
                .toList();
    }

    private static final double MIN_CPU_SECONDS = 1.0;
    /** Unmeasured CPU time per case before measuring it (see {@link #warmUp}). */
    private static final double WARM_CPU_SECONDS = 3.0;

    private static final int WARM_UP_RECORDS = 100_000;
    private static final LocalDate DATE = LocalDate.of(2024, 1, 1);
    private static final String RESPONSE_TYPES = "{\"offer_amount\":\"BIGINT\",\"currency\":\"VARCHAR\","
            + "\"eligible\":\"BOOLEAN\",\"anomaly_score\":\"DOUBLE\",\"model_version\":\"VARCHAR\","
            + "\"calculated_at\":\"TIMESTAMPTZ\"}";
    private static final String RAW_COLUMNS = "{v: 'INTEGER', runId: 'VARCHAR', shopId: 'VARCHAR', "
            + "targetDate: 'DATE', requestUrl: 'VARCHAR', httpStatus: 'INTEGER', outcome: 'VARCHAR', "
            + "latencyMs: 'BIGINT', attempts: 'INTEGER', responseBody: 'VARCHAR', recordedAt: 'TIMESTAMPTZ', "
            + "messageId: 'VARCHAR', error: 'VARCHAR'}";

    /** One per run of the benchmark, as TransformService keeps one per Lambda container. */
    private final RawLogConverter converter = new RawLogConverter();
    /** Likewise one ZSTD context, reused by every file. */
    private final ZstdPageCodec codec = new ZstdPageCodec();

    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * One measurement of {@code reps} conversions: wall and process CPU seconds per conversion, rows and output
     * bytes of one conversion, and the heap's peak during the measurement (all pools; garbage counts until it is
     * collected, so an upper bound).
     */
    record Run(double wallSeconds, double cpuSeconds, long rows, long outputBytes, int reps, long peakHeap) {}

    @Override
    public String id() {
        return "transform";
    }

    @Override
    public String run(int repeats) throws Exception {
        Path dir = Files.createTempDirectory("transform-bench");
        StringBuilder md = new StringBuilder("## Transform: raw JSON Lines to Parquet, Java vs DuckDB\n\n")
                .append("Input: gzip JSON Lines of `RawRecord`s as the worker writes them (simulator response bodies, "
                        + "1 in 997 a 404), one date. Java: `RawLogConverter` (parse and type-check every line, "
                        + "`ParquetPartitionWriter`, ZSTD through one `ZstdPageCodec` per run as per container, 16 MB "
                        + "row groups) on one thread. DuckDB "
                        + "(duckdb_jdbc, `SET threads = 1`): `COPY (SELECT ... json_transform(responseBody, ...) ... "
                        + "FROM read_json(...)) TO ... (FORMAT PARQUET, COMPRESSION ZSTD)` with the same columns "
                        + "and types. Both read and write local files (no S3). Cases: one raw object (one worker "
                        + "batch) of 200, 1,000 and 10,000 records, each to its own file (Java: a fresh writer and "
                        + "quarantine per object; DuckDB: one COPY per object); a batch of 100 objects of 200 "
                        + "records to one file (Java: the objects one after another into one writer, each with its "
                        + "own quarantine, as one transform invocation does; DuckDB: one COPY reading the 100 files "
                        + "as a list, `filename` as source_object); single inputs of 100,000 and 500,000 records. "
                        + "A case under " + MIN_CPU_SECONDS + " CPU-second is repeated within one measurement "
                        + "until it takes " + MIN_CPU_SECONDS + " s (reps); figures are per conversion. Medians of "
                        + repeats + " measurements, after unmeasured warm-up conversions of " + WARM_UP_RECORDS
                        + " records (Java twice, DuckDB once) and, per case, unmeasured rounds of the case until "
                        + "it has run " + WARM_CPU_SECONDS + " CPU-seconds (the JIT compiles the per-object writer "
                        + "set-up only after hundreds of objects; a warm Lambda container has seen them). "
                        + "Records per CPU-second "
                        + "is the per-core figure: both run on one thread, and the process's CPU time is counted "
                        + "(Java's JIT and GC included), which stays meaningful when other work shares the "
                        + "machine; wall times are shown too. Ratios above 1 mean Java is faster. Java peak heap: "
                        + "the sum of the heap pools' peaks during the measurement (uncollected garbage included, "
                        + "so an upper bound). Load average at the start: " + loadAverage() + ".\n\n")
                .append("| case | records | input (gzip) | reps Java / DuckDB | Java rec/CPU-s | DuckDB rec/CPU-s "
                        + "| Java / DuckDB (CPU) | Java wall | DuckDB wall | Java / DuckDB (wall) | Java Parquet "
                        + "| DuckDB Parquet | Java peak heap |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            try (Statement st = duck.createStatement()) {
                st.execute("SET threads = 1");
            }
            // Warm-up, not measured: the JIT compiles the Java path's hot code within the first ~200k rows.
            Path warmUp = dir.resolve("warm-up.jsonl.gz");
            write(warmUp, 0, WARM_UP_RECORDS);
            java(List.of(warmUp), false, dir, 1);
            java(List.of(warmUp), false, dir, 1);
            duckdb(duck, List.of(warmUp), dir, 1);
            Files.delete(warmUp);
            for (Case c : cases()) {
                List<Path> inputs = new ArrayList<>();
                long inputBytes = 0;
                for (int o = 0; o < c.objects(); o++) {
                    Path input = dir.resolve("raw-" + c.records() + "-" + o + ".jsonl.gz");
                    write(input, o * c.records(), c.records()); // each object its own shops
                    inputs.add(input);
                    inputBytes += Files.size(input);
                }
                // Unmeasured rounds of the case until it has run WARM_CPU_SECONDS (the last one tells how many
                // repetitions make a measurement): the per-file code (writer set-up and close) runs once per
                // object, so the JIT compiles it only after hundreds of objects, which the big warm-up input
                // never exercises. A Lambda container gets there within its first few batch invocations.
                int javaReps = warmUp(reps -> java(inputs, c.batch(), dir, reps));
                int duckReps = warmUp(reps -> duckdb(duck, inputs, dir, reps));
                List<Run> javaRuns = new ArrayList<>();
                List<Run> duckRuns = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    javaRuns.add(check(java(inputs, c.batch(), dir, javaReps), c.total(), "Java"));
                    duckRuns.add(check(duckdb(duck, inputs, dir, duckReps), c.total(), "DuckDB"));
                }
                Run j = median(javaRuns);
                Run d = median(duckRuns);
                String row = String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %d / %d | %,.0f | %,.0f | %.2f | %s | %s | %.2f | %s | %s | %.0f MB |",
                        c.name(),
                        c.objects() == 1
                                ? String.format(Locale.ROOT, "%,d", c.records())
                                : String.format(Locale.ROOT, "%d x %,d", c.objects(), c.records()),
                        megabytes(inputBytes),
                        javaReps,
                        duckReps,
                        c.total() / j.cpuSeconds(),
                        c.total() / d.cpuSeconds(),
                        d.cpuSeconds() / j.cpuSeconds(),
                        seconds(j.wallSeconds()),
                        seconds(d.wallSeconds()),
                        d.wallSeconds() / j.wallSeconds(),
                        megabytes(j.outputBytes()),
                        megabytes(d.outputBytes()),
                        j.peakHeap() / 1e6);
                System.err.println(row);
                md.append(row).append('\n');
                for (Path input : inputs) {
                    Files.delete(input);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        md.append("\nThe Java figures are a warm JVM's; a cold Lambda container pays class loading and JIT on its "
                + "first batch. Reproduce: `./recorder bench --only transform`.\n");
        return md.toString();
    }

    /** A conversion of a case, {@code reps} times. */
    private interface Rounds {
        Run run(int reps) throws Exception;
    }

    /** Runs the case unmeasured for {@link #WARM_CPU_SECONDS}; returns the reps of one measurement. */
    private static int warmUp(Rounds rounds) throws Exception {
        int reps = 1;
        double cpu = 0;
        while (cpu < WARM_CPU_SECONDS) {
            Run r = rounds.run(reps);
            cpu += r.cpuSeconds() * reps;
            reps = reps(r);
        }
        return reps;
    }

    private static int reps(Run once) {
        return (int) Math.max(1, Math.ceil(MIN_CPU_SECONDS / Math.max(once.cpuSeconds(), 1e-4)));
    }

    private static String megabytes(long bytes) {
        return bytes < 1_000_000
                ? String.format(Locale.ROOT, "%.0f KB", bytes / 1e3)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String seconds(double s) {
        return s < 0.1 ? String.format(Locale.ROOT, "%.1f ms", s * 1e3) : String.format(Locale.ROOT, "%.2f s", s);
    }

    private String loadAverage() {
        double load = os.getSystemLoadAverage();
        return load < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f on %d cores", load, os.getAvailableProcessors());
    }

    private static Run check(Run run, long size, String who) {
        if (run.rows() != size) {
            throw new IllegalStateException(who + " wrote " + run.rows() + " rows for " + size + " records");
        }
        return run;
    }

    /** {@code records} records of shops {@code firstShop + 1} onwards. */
    private static void write(Path file, int firstShop, int records) throws IOException {
        RawLogCodec codec = new RawLogCodec();
        Instant at = Instant.parse("2024-01-02T00:00:00.123456Z");
        try (OutputStream out =
                new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), 64 * 1024)) {
            for (int i = 1; i <= records; i++) {
                String shop = Integer.toString(firstShop + i);
                boolean unknown = i % 997 == 0;
                RawRecord r = new RawRecord(
                        RawRecord.VERSION,
                        "bench",
                        shop,
                        DATE,
                        "https://api.example.com/v1/shops/" + shop + "/offer?date=" + DATE,
                        unknown ? 404 : 200,
                        unknown ? Outcome.NOT_FOUND : Outcome.OK,
                        40 + i % 50,
                        1,
                        unknown ? "{\"error\":\"unknown shop\"}" : CalcApiSimulator.body(shop, DATE.toString()),
                        at.plusMillis(i),
                        "message-" + i,
                        null);
                out.write(RawLogCodec.utf8(codec.line(r)));
                out.write('\n');
            }
        }
    }

    /**
     * {@code reps} conversions of the inputs: into one writer ({@code batch}: one file per partition, as one
     * transform invocation writes) or each into its own writer and file. Each input gets its own quarantine, as in
     * TransformService.
     */
    private Run java(List<Path> inputs, boolean batch, Path dir, int reps) throws IOException {
        Path work = Files.createDirectories(dir.resolve("java-out"));
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long rows = 0;
        long bytes = 0;
        for (int r = 0; r < reps; r++) {
            rows = 0;
            bytes = 0;
            if (batch) {
                try (ParquetPartitionWriter writer = new ParquetPartitionWriter(work, codec)) {
                    for (Path input : inputs) {
                        rows += convert(input, writer, work);
                    }
                    bytes += finish(writer);
                }
            } else {
                for (Path input : inputs) {
                    try (ParquetPartitionWriter writer = new ParquetPartitionWriter(work, codec)) {
                        rows += convert(input, writer, work);
                        bytes += finish(writer);
                    }
                }
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        return new Run(wall / reps, cpu / reps, rows, bytes, reps, peak);
    }

    private long convert(Path input, ParquetPartitionWriter writer, Path work) throws IOException {
        try (InputStream in = Files.newInputStream(input);
                QuarantineFile quarantine = new QuarantineFile(work, input.toString())) {
            return converter
                    .convert(in, Files.size(input), input.toString(), writer, quarantine)
                    .rowsOut();
        }
    }

    private static long finish(ParquetPartitionWriter writer) throws IOException {
        long bytes = 0;
        for (ParquetPartitionWriter.Written w : writer.finish()) {
            bytes += Files.size(w.file());
        }
        return bytes;
    }

    /**
     * {@code reps} rounds of DuckDB's conversion: one input, one COPY to one file; several, one COPY reading them as
     * a list into one file, each row's {@code filename} as its source_object.
     */
    private Run duckdb(Connection duck, List<Path> inputs, Path dir, int reps) throws Exception {
        Path out = dir.resolve("duckdb-out.parquet");
        Files.deleteIfExists(out);
        boolean one = inputs.size() == 1;
        String files = one
                ? "'" + inputs.getFirst() + "'"
                : inputs.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ", "[", "]"));
        String sql = "COPY (SELECT shopId AS shop_id, targetDate AS target_date, r.offer_amount, r.currency, "
                + "r.eligible, r.anomaly_score, r.model_version, r.calculated_at, httpStatus AS http_status, outcome, "
                + "latencyMs AS latency_ms, attempts, runId AS run_id, recordedAt AS recorded_at, "
                + "requestUrl AS request_url, responseBody AS response_json, "
                + (one ? "'" + inputs.getFirst() + "'" : "filename") + " AS source_object "
                + "FROM (SELECT *, CASE WHEN outcome = 'OK' THEN json_transform(responseBody, '" + RESPONSE_TYPES
                + "') END AS r FROM read_json(" + files + ", format = 'newline_delimited', compression = 'gzip', "
                + (one ? "" : "filename = true, ") + "columns = " + RAW_COLUMNS + "))) TO '" + out
                + "' (FORMAT PARQUET, COMPRESSION ZSTD)";
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            try (Statement st = duck.createStatement()) {
                st.execute(sql);
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        long rows;
        try (Statement st = duck.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + out + "')")) {
            rs.next();
            rows = rs.getLong(1);
        }
        long bytes = Files.size(out);
        Files.delete(out);
        return new Run(wall / reps, cpu / reps, rows, bytes, reps, 0);
    }

    /** Each figure's own median: on a shared machine wall and CPU time are disturbed by different runs. */
    private static Run median(List<Run> runs) {
        return new Run(
                median(runs.stream().mapToDouble(Run::wallSeconds).toArray()),
                median(runs.stream().mapToDouble(Run::cpuSeconds).toArray()),
                runs.getFirst().rows(),
                (long) median(runs.stream().mapToDouble(Run::outputBytes).toArray()),
                runs.getFirst().reps(),
                (long) median(runs.stream().mapToDouble(Run::peakHeap).toArray()));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
