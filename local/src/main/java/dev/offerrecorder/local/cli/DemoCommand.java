package dev.offerrecorder.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.operator.cli.ProgressBar;
import dev.offerrecorder.operator.cli.RecorderCli;
import dev.offerrecorder.shared.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./recorder demo}: a whole recording (fan-out, workers, transform) on the embedded stack. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Runs a complete recording against an embedded AWS and the API simulator; Parquet lands "
                + "under the data directory.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--shops", defaultValue = "300", description = "Shops 1..N (default ${DEFAULT-VALUE}).")
    int shops;

    @Option(names = "--days", defaultValue = "3", description = "Days to record (default ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--start-date", description = "First date (default: today minus --days, Asia/Tokyo).")
    LocalDate startDate;

    @Mixin
    PipelineArgs pipelineArgs;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data-dir",
            defaultValue = "data/demo",
            description = "Where S3 objects land (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--summary-file", description = "Also write the summary as JSON here.")
    Path summaryFile;

    @Override
    public Integer call() throws Exception {
        pipelineArgs.validate(spec);
        if (shops < 1 || days < 1) {
            throw new ParameterException(spec.commandLine(), "--shops and --days must be >= 1");
        }
        LocalDate from = startDate != null
                ? startDate
                : LocalDate.now(ZoneId.of("Asia/Tokyo")).minusDays(days);
        LocalDate to = from.plusDays(days - 1);
        PrintStream err = System.err;
        PrintStream stdout = System.out;
        long started = System.nanoTime();
        Path dir = dataDir.toAbsolutePath();
        if (clearPreviousOutput(dir)) {
            err.printf("demo: cleared the objects an earlier demo left in %s%n", dir);
        }
        // The functions log JSON lines to stdout, as in Lambda; keep them in a file so the summary stays readable.
        Path logFile = dir.resolve("logs").resolve("functions.log");
        Files.createDirectories(logFile.getParent());
        PrintStream functionLogs = new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8);
        System.setOut(functionLogs);
        try {
            return record(from, to, err, stdout, started, dir, logFile);
        } finally {
            System.setOut(stdout);
            functionLogs.close();
        }
    }

    private int record(
            LocalDate from, LocalDate to, PrintStream err, PrintStream stdout, long started, Path dir, Path logFile)
            throws Exception {
        var options = pipelineArgs.options(dir);
        int apiWorkers = pipelineArgs.apiWorkers;
        long apiLatencyMs = pipelineArgs.apiLatencyMs;
        ObjectMapper mapper = Json.newMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try (LocalPipeline pipeline = LocalPipeline.start(options)) {
            err.printf(
                    "embedded AWS up (SQS %s, S3 %s), API simulator %s (W=%d, L=%d ms)%n",
                    pipeline.stack().aws().sqsEndpoint(),
                    pipeline.stack().aws().s3Endpoint(),
                    pipeline.api().baseUri(),
                    apiWorkers,
                    apiLatencyMs);
            String request = "{\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"shopRange\":{\"from\":1,\"to\":"
                    + shops + "},\"runId\":\"demo-" + from + "\"}";
            long enqueueStart = System.nanoTime();
            long cpuStart = processCpuNanos();
            JsonNode fanout = pipeline.invokeFanout(request);
            long jobs = fanout.path("jobsPlanned").asLong();
            err.printf(
                    "fan-out: run %s, %d jobs (%d shops x %d days)%n",
                    fanout.path("runId").asText(), jobs, shops, days);
            var bar = new ProgressBar(
                    new PrintWriter(err, true, StandardCharsets.UTF_8),
                    jobs,
                    ((RecorderCli) spec.root().userObject()).interactive());
            long quietAt = pipeline.awaitQuiet(
                    Duration.ofMinutes(30),
                    p -> bar.update(
                            p.apiRequests(),
                            "queued " + p.jobsQueued() + ", in flight " + p.jobsInFlight() + ", DLQ " + p.dlq()
                                    + ", API calls " + p.apiRequests()));
            bar.done();
            long cpuNanos = processCpuNanos() - cpuStart;
            double recordingSeconds = (quietAt - enqueueStart) / 1e9;
            var stats = pipeline.api().stats();
            Path table = pipeline.tableDir();
            ObjectNode summary = mapper.createObjectNode();
            summary.put("runId", fanout.path("runId").asText());
            summary.put("jobs", jobs);
            summary.put("apiCalls", stats.requests());
            summary.put("records", pipeline.rawRecords());
            summary.put("parquetRows", pipeline.parquetRows());
            summary.put("dlq", pipeline.dlqDepth());
            summary.put("recordingSeconds", round(recordingSeconds));
            summary.put("jobsPerSecond", round(jobs / Math.max(recordingSeconds, 1e-3)));
            summary.put("elapsedSeconds", round((System.nanoTime() - started) / 1e9));
            summary.put("outputDir", table.toString());
            ObjectNode api = summary.putObject("api");
            api.put("requests", stats.requests());
            api.put("peakConcurrency", stats.peakConcurrency());
            api.put("rejected", stats.rejected());
            api.put("workers", apiWorkers);
            api.put("latencyMs", apiLatencyMs);
            api.put("ceilingPerSecond", round(pipeline.api().ceilingPerSecond()));
            // How well the workers used the API while it was busy (first request to last answer), so the figure
            // leaves out fan-out before and transform after: calls it answered (not 503) per busy second / W/L.
            double busySeconds = pipeline.api().busySeconds();
            api.put("busySeconds", round(busySeconds));
            api.put(
                    "shareOfCeiling",
                    round((stats.requests() - stats.rejected())
                            / Math.max(busySeconds, 1e-3)
                            / pipeline.api().ceilingPerSecond()));
            // What this machine could do at all: the run's whole process (embedded SQS and S3, simulator, every
            // function) used this much CPU per job, so the whole recording, fan-out to the last Parquet row, goes
            // no faster than its cores allow at that cost. Below the API's ceiling, the machine bounds the run. The
            // API's busy time leaves out part of that work (the fan-out before its first call, the transform after
            // its last answer), so the share of the ceiling can end above this figure (0.75 against 0.63 at W=32,
            // L=50 ms with 2 containers on 2 cores).
            int cores = Runtime.getRuntime().availableProcessors();
            double cpuMsPerJob = cpuNanos / 1e6 / Math.max(jobs, 1);
            double machineJobsPerSecond = cores * 1000 / Math.max(cpuMsPerJob, 1e-6);
            ObjectNode machine = summary.putObject("machine");
            machine.put("cores", cores);
            machine.put("cpuSeconds", round(cpuNanos / 1e9));
            machine.put("cpuMsPerJob", round(cpuMsPerJob));
            machine.put("jobsPerSecondAtFullCpu", round(machineJobsPerSecond));
            machine.put(
                    "ceilingShareAtFullCpu",
                    round(machineJobsPerSecond / pipeline.api().ceilingPerSecond()));
            if (machineJobsPerSecond < pipeline.api().ceilingPerSecond()) {
                err.printf(
                        "demo: this run used %.2f ms of CPU per job (every part on this machine); at that cost %d cores"
                                + " record at most %.0f jobs/s, %.2f of the API's ceiling: this machine, not the API,"
                                + " bounds the run%n",
                        cpuMsPerJob,
                        cores,
                        machineJobsPerSecond,
                        machineJobsPerSecond / pipeline.api().ceilingPerSecond());
            }
            stdout.println(mapper.writeValueAsString(summary));
            if (summaryFile != null) {
                Path parent = summaryFile.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(summaryFile, mapper.writeValueAsString(summary));
            }
            err.printf("function logs: %s%n", logFile);
            err.printf(
                    "Parquet: %s (open with DuckDB: SELECT * FROM read_parquet('%s/**/*.parquet', "
                            + "hive_partitioning=true))%n",
                    table, table);
            return summary.path("records").asLong() == jobs
                            && summary.path("parquetRows").asLong() == jobs
                    ? 0
                    : RecorderCli.EXIT_FAILED;
        }
    }

    /**
     * A demo counts what its run recorded against what it planned, so it starts from an empty store: the objects
     * and work files an earlier demo left in this data directory go (logs are overwritten anyway).
     */
    private static boolean clearPreviousOutput(Path dir) throws IOException {
        boolean cleared = false;
        for (Path sub : List.of(dir.resolve("s3"), dir.resolve("work"))) {
            if (Files.isDirectory(sub)) {
                try (Stream<Path> paths = Files.walk(sub)) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
                cleared = true;
            }
        }
        return cleared;
    }

    /** CPU time of this whole process so far (every thread: embedded AWS, simulator, functions). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
