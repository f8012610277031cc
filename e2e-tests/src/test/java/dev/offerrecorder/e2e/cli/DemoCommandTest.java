package dev.offerrecorder.e2e.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./recorder demo}: a whole small recording, and what its summary says about the API and this machine. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void aSmallDemoRecordsEveryJobAndSaysWhatThisMachineAllows() throws Exception {
        Path summaryFile = dir.resolve("summary.json");
        Cli.Result r = Cli.run(
                "demo",
                "--shops",
                40,
                "--days",
                1,
                "--api-workers",
                4,
                "--api-latency-ms",
                20,
                "--data-dir",
                dir.resolve("demo"),
                "--summary-file",
                summaryFile);
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode summary = Json.newMapper().readTree(summaryFile.toFile());
        assertEquals(40, summary.path("jobs").asLong(), summary.toString());
        assertEquals(40, summary.path("records").asLong(), summary.toString());
        assertEquals(40, summary.path("parquetRows").asLong(), summary.toString());
        assertEquals(200.0, summary.path("api").path("ceilingPerSecond").asDouble(), 1e-9);

        JsonNode machine = summary.path("machine");
        int cores = machine.path("cores").asInt();
        double cpuSeconds = machine.path("cpuSeconds").asDouble();
        double cpuMsPerJob = machine.path("cpuMsPerJob").asDouble();
        double jobsPerSecond = machine.path("jobsPerSecondAtFullCpu").asDouble();
        assertEquals(Runtime.getRuntime().availableProcessors(), cores, machine.toString());
        assertTrue(cpuSeconds > 0, "the run used CPU: " + machine);
        // The figures are rounded to 0.01 each; they must still agree with one another.
        assertEquals(cpuSeconds * 1000 / 40, cpuMsPerJob, 0.5, machine.toString());
        assertEquals(cores * 1000 / cpuMsPerJob, jobsPerSecond, 0.01 * jobsPerSecond + 0.01, machine.toString());
        assertEquals(
                jobsPerSecond / 200.0, machine.path("ceilingShareAtFullCpu").asDouble(), 0.01, machine.toString());
    }
}
