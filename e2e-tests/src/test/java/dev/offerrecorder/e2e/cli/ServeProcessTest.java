package dev.offerrecorder.e2e.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.operator.cli.RecorderCli;
import dev.offerrecorder.operator.ops.LocalStackFile;
import dev.offerrecorder.shared.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recorder serve} as its own process, as a user runs it in one terminal, and the other commands from
 * another: backfill --wait and status reach it through stack.json; once it stops, they exit 3.
 */
class ServeProcessTest {
    @TempDir
    Path dir;

    @Test
    void otherCommandsReachAServeProcessUntilItStops() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("serve.log");
        Process serve = Cli.process(Map.of(), dir, "serve", "--data-dir", data, "--api-latency-ms", "5")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            awaitFile(LocalStackFile.path(data), serve, log);

            Cli.Result second = Cli.runProcess(Map.of(), dir, "serve", "--data-dir", data);
            assertEquals(RecorderCli.EXIT_REFUSED, second.exitCode(), second.toString());
            assertTrue(second.err().contains("already served by process " + serve.pid()), second.toString());

            Cli.Result backfill = Cli.run(
                    "backfill",
                    "--local",
                    "--data-dir",
                    data,
                    "--from",
                    "2024-02-01",
                    "--to",
                    "2024-02-02",
                    "--shops",
                    "1-25",
                    "--run-id",
                    "served",
                    "--wait",
                    "--timeout",
                    "2m");
            assertEquals(0, backfill.exitCode(), backfill + "\n--- serve\n" + Files.readString(log));
            assertTrue(backfill.err().contains("run served complete: 50 of 50 jobs recorded"), backfill.toString());

            Cli.Result status = Cli.run("status", "--local", "--data-dir", data, "--run", "served", "--json");
            assertEquals(0, status.exitCode(), status.toString());
            JsonNode run = Json.newMapper().readTree(status.out()).path("run");
            assertEquals(50, run.path("recorded").asLong(), status.out());
            assertEquals(2, run.path("partitions").size(), status.out());

            Cli.Result text = Cli.run("status", "--local", "--data-dir", data, "--run", "served");
            assertEquals(0, text.exitCode(), text.toString());
            assertTrue(text.out().contains("run served: 50 of 50 jobs recorded (100.0 %)"), text.toString());
            assertTrue(text.out().contains("ETA done"), text.toString());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
        }
        assertFalse(Files.exists(LocalStackFile.path(data)), "serve removes stack.json when it stops");
        Cli.Result gone = Cli.run("status", "--local", "--data-dir", data);
        assertEquals(RecorderCli.EXIT_UNREACHABLE, gone.exitCode(), gone.toString());
    }

    private static void awaitFile(Path file, Process serve, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            if (!serve.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("serve did not write " + file + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }
}
