package dev.offerrecorder.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.testkit.sim.CalcApiSimulator.Overload;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code --api-overload}: the local world degrades like production unless told fast-503. */
class PipelineArgsTest {
    @Command(name = "probe")
    static final class Probe {
        @Mixin
        PipelineArgs args;
    }

    private static Overload parsed(String... argv) {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs(argv);
        return probe.args.options(Path.of("unused")).apiOverload();
    }

    @Test
    void degradesByDefaultAndTakesFast503() {
        assertEquals(Overload.DEGRADE, parsed());
        assertEquals(Overload.FAST_503, parsed("--api-overload", "fast-503"));
        assertEquals(Overload.DEGRADE, parsed("--api-overload", "degrade", "--api-workers", "4"));
    }

    @Test
    void anUnknownModeIsRefusedByName() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Probe()).setErr(new PrintWriter(err));
        int code = cli.execute("--api-overload", "slow");
        assertEquals(2, code);
        assertTrue(
                err.toString().contains("--api-overload") && err.toString().contains("degrade or fast-503"),
                err.toString());
    }
}
