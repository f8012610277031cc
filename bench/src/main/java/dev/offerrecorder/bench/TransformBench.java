package dev.offerrecorder.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.transform.ParquetPartitionWriter;
import dev.offerrecorder.transform.QuarantineFile;
import dev.offerrecorder.transform.RawLogConverter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
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
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Transform throughput: gzip JSON Lines to typed ZSTD Parquet, on local disk (S3 left out), for a few input
 * sizes, next to the same conversion done by DuckDB's {@code COPY (SELECT ... FROM read_json(...)) TO ...}
 * in the same run. Both run on one thread: the transform is single-threaded by design (one raw object per
 * invocation) and DuckDB is held to {@code SET threads = 1}. The per-core figure is records per CPU-second of
 * the process (JIT and GC included for Java; DuckDB's native thread for DuckDB), which other load on the
 * machine disturbs far less than wall time.
 */
public final class TransformBench implements Benchmark {
    private static final int[] SIZES = {10_000, 100_000, 500_000};
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

    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** One measured run: wall and process CPU seconds, rows written, output bytes. */
    record Run(double wallSeconds, double cpuSeconds, long rows, long outputBytes) {}

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
                        + "`ParquetPartitionWriter`, ZSTD, 16 MB row groups) on one thread. DuckDB "
                        + "(duckdb_jdbc, `SET threads = 1`): `COPY (SELECT ... json_transform(responseBody, ...) ... "
                        + "FROM read_json(...)) TO ... (FORMAT PARQUET, COMPRESSION ZSTD)` with the same columns "
                        + "and types. Both read and write local files (no S3). Medians of " + repeats
                        + " runs, after unmeasured warm-up conversions of " + WARM_UP_RECORDS
                        + " records (Java twice, DuckDB once). Records per CPU-second is the per-core figure: both "
                        + "run on one thread, and the process's CPU time is counted (Java's JIT and GC included), "
                        + "which stays meaningful when other work shares the machine; wall times are shown too. "
                        + "Ratios above 1 mean Java is faster. Load average at the start: " + loadAverage()
                        + ".\n\n")
                .append("| records | input (gzip) | Java rec/CPU-s | DuckDB rec/CPU-s | Java / DuckDB (CPU) "
                        + "| Java wall | DuckDB wall | Java / DuckDB (wall) | Java Parquet | DuckDB Parquet |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
            try (Statement st = duck.createStatement()) {
                st.execute("SET threads = 1");
            }
            // Warm-up, not measured: the JIT compiles the Java path's hot code within the first ~200k rows.
            Path warmUp = dir.resolve("warm-up.jsonl.gz");
            write(warmUp, WARM_UP_RECORDS);
            java(warmUp, dir);
            java(warmUp, dir);
            duckdb(duck, warmUp, dir);
            Files.delete(warmUp);
            for (int size : SIZES) {
                Path input = dir.resolve("raw-" + size + ".jsonl.gz");
                write(input, size);
                List<Run> javaRuns = new ArrayList<>();
                List<Run> duckRuns = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    javaRuns.add(check(java(input, dir), size, "Java"));
                    duckRuns.add(check(duckdb(duck, input, dir), size, "DuckDB"));
                }
                Run j = median(javaRuns);
                Run d = median(duckRuns);
                String row = String.format(
                        Locale.ROOT,
                        "| %,d | %.1f MB | %,.0f | %,.0f | %.2f | %.2f s | %.2f s | %.2f | %.1f MB | %.1f MB |",
                        size,
                        Files.size(input) / 1e6,
                        size / j.cpuSeconds(),
                        size / d.cpuSeconds(),
                        d.cpuSeconds() / j.cpuSeconds(),
                        j.wallSeconds(),
                        d.wallSeconds(),
                        d.wallSeconds() / j.wallSeconds(),
                        j.outputBytes() / 1e6,
                        d.outputBytes() / 1e6);
                System.err.println(row);
                md.append(row).append('\n');
                Files.delete(input);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        md.append("\nThe Java figures are a warm JVM's; a cold Lambda container pays class loading and JIT on its "
                + "first object. Reproduce: `./recorder bench --only transform`.\n");
        return md.toString();
    }

    private String loadAverage() {
        double load = os.getSystemLoadAverage();
        return load < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f on %d cores", load, os.getAvailableProcessors());
    }

    private static Run check(Run run, int size, String who) {
        if (run.rows() != size) {
            throw new IllegalStateException(who + " wrote " + run.rows() + " rows for " + size + " records");
        }
        return run;
    }

    private static void write(Path file, int records) throws IOException {
        RawLogCodec codec = new RawLogCodec();
        Instant at = Instant.parse("2024-01-02T00:00:00.123456Z");
        try (OutputStream out =
                new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), 64 * 1024)) {
            for (int i = 1; i <= records; i++) {
                String shop = Integer.toString(i);
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

    private Run java(Path input, Path dir) throws IOException {
        Path work = Files.createDirectories(dir.resolve("java-out"));
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long rows;
        long bytes = 0;
        try (InputStream in = Files.newInputStream(input);
                ParquetPartitionWriter writer = new ParquetPartitionWriter(work);
                QuarantineFile quarantine = new QuarantineFile(work, input.toString())) {
            RawLogConverter.Counts counts =
                    converter.convert(in, Files.size(input), input.toString(), writer, quarantine);
            rows = counts.rowsOut();
            for (ParquetPartitionWriter.Written w : writer.finish()) {
                bytes += Files.size(w.file());
            }
        }
        return new Run((System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9, rows, bytes);
    }

    private Run duckdb(Connection duck, Path input, Path dir) throws Exception {
        Path out = dir.resolve("duckdb-out.parquet");
        Files.deleteIfExists(out);
        String sql = "COPY (SELECT shopId AS shop_id, targetDate AS target_date, r.offer_amount, r.currency, "
                + "r.eligible, r.anomaly_score, r.model_version, r.calculated_at, httpStatus AS http_status, outcome, "
                + "latencyMs AS latency_ms, attempts, runId AS run_id, recordedAt AS recorded_at, "
                + "requestUrl AS request_url, responseBody AS response_json, '" + input + "' AS source_object "
                + "FROM (SELECT *, CASE WHEN outcome = 'OK' THEN json_transform(responseBody, '" + RESPONSE_TYPES
                + "') END AS r FROM read_json('" + input + "', format = 'newline_delimited', compression = 'gzip', "
                + "columns = " + RAW_COLUMNS + "))) TO '" + out + "' (FORMAT PARQUET, COMPRESSION ZSTD)";
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        try (Statement st = duck.createStatement()) {
            st.execute(sql);
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
        return new Run(wall, cpu, rows, bytes);
    }

    /** Each figure's own median: on a shared machine wall and CPU time are disturbed by different runs. */
    private static Run median(List<Run> runs) {
        return new Run(
                median(runs.stream().mapToDouble(Run::wallSeconds).toArray()),
                median(runs.stream().mapToDouble(Run::cpuSeconds).toArray()),
                runs.getFirst().rows(),
                (long) median(runs.stream().mapToDouble(Run::outputBytes).toArray()));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
