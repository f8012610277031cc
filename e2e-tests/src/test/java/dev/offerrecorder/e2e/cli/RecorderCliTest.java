package dev.offerrecorder.e2e.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.operator.cli.RecorderCli;
import dev.offerrecorder.operator.ops.LocalStackFile;
import dev.offerrecorder.operator.ops.StackInfo;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's contract without a stack: help, usage errors (exit 2) and unreachable stacks (exit 3). */
class RecorderCliTest {
    @TempDir
    Path dir;

    @Test
    void helpNamesEveryCommandAndTheExitCodes() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.exitCode(), r.toString());
        for (String command : List.of("backfill", "replay", "status", "serve", "demo")) {
            assertTrue(r.out().contains(command), command + " missing from\n" + r);
        }
        assertTrue(r.out().contains("3 unreachable"), r.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String[] command : List.of(
                new String[] {"backfill"},
                new String[] {"status"},
                new String[] {"serve"},
                new String[] {"demo"},
                new String[] {"replay"},
                new String[] {"replay", "peek"},
                new String[] {"replay", "start"},
                new String[] {"replay", "list"},
                new String[] {"replay", "cancel"})) {
            Object[] args = new Object[command.length + 1];
            System.arraycopy(command, 0, args, 0, command.length);
            args[command.length] = "--help";
            Cli.Result r = Cli.run(args);
            assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r);
            assertTrue(r.out().startsWith("Usage: recorder " + String.join(" ", command)), r.toString());
        }
    }

    @Test
    void aStackCommandWithoutAStackIsAUsageError() {
        Cli.Result r = Cli.run("status");
        assertEquals(RecorderCli.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("say which stack: --local"), r.toString());
        assertTrue(r.err().contains("Usage: recorder status"), r.toString());
    }

    @Test
    void badArgumentsExitTwoWithTheReasonAndTheUsage() {
        List<Object[]> cases = List.of(
                new Object[] {"status", "--local", "--stack", "prod"},
                new Object[] {"status", "--local", "--region", "eu-west-1"},
                new Object[] {"status", "--local", "--wait"},
                new Object[] {"status", "--local", "--run", "../etc"},
                new Object[] {"replay", "start", "--local", "--rate", "0"},
                new Object[] {"replay", "start", "--local", "--rate", "501"},
                new Object[] {"replay", "peek", "--local", "--sample", "-1"},
                new Object[] {"replay", "--local"},
                new Object[] {"replay"},
                new Object[] {"replay", "frobnicate"},
                new Object[] {"backfill", "--local", "--shops", "1-3"},
                new Object[] {"backfill", "--local", "--from", "2024-01-01", "--shops", "1-3", "--shop-ids", "4"},
                new Object[] {"backfill", "--local", "--from", "2024-01-01", "--shops", "three"},
                new Object[] {"backfill", "--local", "--from", "2024-01-05", "--to", "2024-01-01", "--shops", "1-3"},
                new Object[] {"backfill", "--local", "--from", "2024-13-01", "--shops", "1-3"},
                new Object[] {"backfill", "--local", "--from", "2024-01-01", "--shops", "1-3", "--dry-run", "--wait"},
                new Object[] {"status", "--local", "--wait", "--run", "r", "--timeout", "soon"},
                new Object[] {"no-such-command"});
        for (Object[] args : cases) {
            Cli.Result r = Cli.run(args);
            assertEquals(RecorderCli.EXIT_USAGE, r.exitCode(), List.of(args) + ": " + r);
            // picocli answers an unknown subcommand with a suggestion instead of the usage.
            assertTrue(
                    r.err().contains("Usage: recorder") || r.err().contains("Did you mean"),
                    List.of(args) + " should print the usage: " + r);
            assertTrue(r.out().isEmpty(), List.of(args) + " should print nothing on stdout: " + r);
        }
    }

    @Test
    void noLocalStackFileIsUnreachableWithAHint() {
        Cli.Result r = Cli.run("status", "--local", "--data-dir", dir);
        assertEquals(RecorderCli.EXIT_UNREACHABLE, r.exitCode(), r.toString());
        assertOneLine(r.err());
        assertTrue(r.err().contains("./recorder serve --data-dir " + dir), r.toString());
    }

    @Test
    void aStackFileOfAStoppedServeIsUnreachable() throws Exception {
        Process finished = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true)
                .start();
        finished.getInputStream().readAllBytes();
        finished.waitFor();
        LocalStackFile.write(
                dir,
                new LocalStackFile.Content(
                        1, finished.pid(), Instant.now(), "http://127.0.0.1:1", 1, deadStack(closedPort())));
        Cli.Result r = Cli.run("replay", "list", "--local", "--data-dir", dir);
        assertEquals(RecorderCli.EXIT_UNREACHABLE, r.exitCode(), r.toString());
        assertOneLine(r.err());
        assertTrue(r.err().contains("serve process " + finished.pid() + " is not running"), r.toString());
    }

    @Test
    void endpointsThatRefuseConnectionsAreUnreachableInOneLine() throws Exception {
        // Our own PID keeps the file "live": the endpoints themselves must be found dead.
        LocalStackFile.write(
                dir,
                new LocalStackFile.Content(
                        1,
                        ProcessHandle.current().pid(),
                        Instant.now(),
                        "http://127.0.0.1:1",
                        1,
                        deadStack(closedPort())));
        for (Object[] args : List.of(
                new Object[] {"status", "--local", "--data-dir", dir},
                new Object[] {"replay", "peek", "--local", "--data-dir", dir},
                new Object[] {"backfill", "--local", "--data-dir", dir, "--from", "2024-01-01", "--shops", "1-2"})) {
            Cli.Result r = Cli.run(args);
            assertEquals(RecorderCli.EXIT_UNREACHABLE, r.exitCode(), List.of(args) + ": " + r);
            assertOneLine(r.err());
            assertTrue(r.err().contains("cannot reach the local stack in"), r.toString());
            assertTrue(r.err().contains("Connection refused"), r.toString());
        }
    }

    @Test
    void asAChildProcessHelpExitsZeroAndADeadAwsEndpointExitsThree() throws Exception {
        Cli.Result help = Cli.runProcess(Map.of(), dir, "replay", "start", "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.out().contains("--rate"), help.toString());

        Map<String, String> env = Map.of(
                "AWS_ACCESS_KEY_ID",
                "test",
                "AWS_SECRET_ACCESS_KEY",
                "test",
                "AWS_REGION",
                "eu-west-1",
                "AWS_EC2_METADATA_DISABLED",
                "true");
        Cli.Result r = Cli.runProcess(
                env, dir, "status", "--stack", "offer-recorder", "--endpoint-url", "http://127.0.0.1:" + closedPort());
        assertEquals(RecorderCli.EXIT_UNREACHABLE, r.exitCode(), r.toString());
        assertOneLine(r.err());
        assertTrue(r.err().contains("cannot reach CloudFormation for stack offer-recorder"), r.toString());
        assertFalse(r.err().contains("at software.amazon"), "no stack trace: " + r);
    }

    static void assertOneLine(String err) {
        assertEquals(1, err.strip().lines().count(), "one line expected:\n" + err);
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static StackInfo deadStack(int port) {
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        String q = endpoint + "/000000000000/offer-recorder-";
        return new StackInfo(
                "offer-recorder",
                "us-east-1",
                "local stack in nowhere",
                q + "jobs",
                q + "jobs-dlq",
                q + "fanout",
                null,
                q + "transform",
                null,
                "offer-recorder-raw",
                "offer-recorder-platform",
                "offer-recorder-fanout",
                "offer-recorder-replay",
                null,
                StackInfo.Endpoints.all(endpoint),
                new StackInfo.Keys("local-access-key", "local-secret-key"));
    }
}
