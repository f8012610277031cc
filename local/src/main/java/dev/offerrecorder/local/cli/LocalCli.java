package dev.offerrecorder.local.cli;

import dev.offerrecorder.local.soak.SoakCommand;
import dev.offerrecorder.operator.cli.RecorderCli;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code ./recorder} with every command: the operator's ({@code backfill}, {@code status}, {@code replay}) and the
 * local stack's ({@code demo}, {@code serve}, {@code soak}).
 */
public final class LocalCli {
    private LocalCli() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(RecorderCli.terminal(), out, err, args));
    }

    /** Runs one command line, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(false, out, err, args);
    }

    private static int run(boolean interactive, PrintWriter out, PrintWriter err, String... args) {
        return RecorderCli.run(
                interactive, out, err, List.of(new DemoCommand(), new ServeCommand(), new SoakCommand()), args);
    }
}
