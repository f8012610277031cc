package dev.offerrecorder.local.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./recorder}: run the pipeline locally, and operate a local or deployed stack. Exit codes: 0 success,
 * 1 the operation failed, 2 bad arguments (picocli's usage error), 3 the endpoint or stack is unreachable,
 * 4 refused (a replay already running).
 */
@Command(name = "recorder", mixinStandardHelpOptions = true, version = "offer-recorder 1.0.0",
        description = "Records what the calculation API answers for every (shop, date), and lands it as Parquet.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class RecorderCli {
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;
    public static final int EXIT_REFUSED = 4;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new RecorderCli()).setExitCodeExceptionMapper(e -> EXIT_FAILED).execute(args);
    }
}
