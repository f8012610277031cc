package dev.offerrecorder.operator.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./recorder}'s root command: operate a deployed stack or the one {@code ./recorder serve} runs
 * ({@code backfill}, {@code status}, {@code replay}). The local module adds its commands ({@code demo},
 * {@code serve}, {@code soak}) through {@link #run(boolean, PrintWriter, PrintWriter, List, String...)}. Exit codes scripts can rely
 * on: 0 success, 1 the operation failed, 2 bad arguments (with usage) or a request the function rejected,
 * 3 the stack or endpoint is unreachable (nothing was changed), 4 refused (a replay already running, a data
 * directory already served).
 */
@Command(
        name = "recorder",
        mixinStandardHelpOptions = true,
        version = "offer-recorder 1.0.0",
        description = "Records what the calculation API answers for every (shop, date), and lands it as Parquet.",
        footer = {"", "Exit codes: 0 ok, 1 failed, 2 usage, 3 unreachable, 4 refused."},
        subcommands = {BackfillCommand.class, StatusCommand.class, ReplayCommand.class})
public final class RecorderCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;
    public static final int EXIT_REFUSED = 4;

    private final boolean interactive;

    private RecorderCli(boolean interactive) {
        this.interactive = interactive;
    }

    /** Whether stderr is a terminal: progress bars redraw in place there, and print a line now and then elsewhere. */
    public boolean interactive() {
        return interactive;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(terminal(), out, err, List.of(), args));
    }

    /** Runs one command line, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(false, out, err, List.of(), args);
    }

    /**
     * Runs one command line with {@code moreCommands} (picocli {@code @Command} objects) beside the operator's
     * own; returns the exit code.
     */
    public static int run(boolean interactive, PrintWriter out, PrintWriter err, List<?> moreCommands, String... args) {
        CommandLine cli = new CommandLine(new RecorderCli(interactive));
        moreCommands.forEach(cli::addSubcommand);
        cli.addSubcommand(new CommandLine.HelpCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Failures.Failure failure = Failures.classify(e);
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + failure.message());
            commandLine.getErr().flush();
            return failure.exitCode();
        });
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Whether stderr is a terminal. */
    public static boolean terminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // JDK 22+ returns a Console even when redirected; isTerminal() tells. JDK 21 returns null then.
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
