package dev.offerrecorder.operator.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How {@code --wait} follows a run: shared by {@code backfill} and {@code status}. */
final class WaitOptions {
    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "6h",
            converter = DurationConverter.class,
            description = "With --wait: give up after this long (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "With --wait: time between checks (default 1s local, 10s AWS).")
    Duration interval;

    @Option(
            names = "--stall-after",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "With --wait: call the run stalled when the queues stay empty this long with jobs "
                    + "missing (default 5s local, 2m AWS).")
    Duration stallAfter;

    /** Follows {@code runId} until it is recorded, stalls or times out, with the stack's defaults where unset. */
    RunWatch.Outcome await(Ops ops, String runId, Long planned) throws Exception {
        return RunWatch.await(
                ops,
                runId,
                planned,
                timeout,
                interval != null ? interval : ops.defaultInterval(),
                stallAfter != null ? stallAfter : ops.defaultStallAfter());
    }
}
