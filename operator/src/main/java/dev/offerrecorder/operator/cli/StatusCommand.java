package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.StackStatus;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code ./recorder status}: queues, partitions, and a run's progress. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Shows the stack's queues (visible, in flight, delayed: jobs, job DLQ, fan-out, transform), "
                    + "records written per dt= partition (raw-log objects and lines, Parquet files and rows), and with "
                    + "--run a run's jobs planned vs recorded, rate and ETA.",
            "Jobs planned come from runs/RUN.json, which 'recorder backfill' stores; for runs started otherwise "
                    + "(sam remote invoke, the daily schedule) pass --planned N."
        },
        footer = {
            "",
            "Examples:",
            "  ./recorder status --local",
            "  ./recorder status --stack offer-recorder --region ap-northeast-1 --run backfill-2024 --wait",
            "",
            "Exit codes: 0 ok (with --wait: the run is complete), 1 failed or stalled, 2 usage, " + "3 unreachable."
        })
final class StatusCommand extends StackCommand {
    @Option(names = "--run", paramLabel = "RUN", description = "Also show this run's progress.")
    String runId;

    @Option(
            names = "--planned",
            paramLabel = "N",
            description = "With --run: the run's planned job count, when " + "there is no runs/RUN.json.")
    Long planned;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "7",
            description = "Count the latest N dt= partitions (default ${DEFAULT-VALUE}; 0: none).")
    int partitions;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(
            names = "--wait",
            description = "With --run: follow it with a progress bar until every job is "
                    + "recorded (exit 0) or it stalls (exit 1).")
    boolean await;

    @Mixin
    WaitOptions waitOptions;

    @Override
    void validate() {
        if (runId != null) {
            try {
                Job.requireId("runId", runId);
            } catch (InvalidJobException e) {
                throw new ParameterException(spec.commandLine(), "--run: " + e.getMessage());
            }
        }
        if ((await || planned != null) && runId == null) {
            throw new ParameterException(spec.commandLine(), "--wait and --planned need --run RUN");
        }
        if (planned != null && planned < 0) {
            throw new ParameterException(spec.commandLine(), "--planned must be 0 or more");
        }
        if (partitions < 0) {
            throw new ParameterException(spec.commandLine(), "--partitions must be 0 or more");
        }
    }

    @Override
    int run(Ops ops) throws Exception {
        int exit = RecorderCli.EXIT_OK;
        if (await) {
            exit = waitOptions.await(ops, runId, planned).exitCode();
        }
        StackStatus status = ops.status().read(partitions, runId, planned);
        if (json) {
            ops.out().println(Render.json(status));
        } else {
            Render.status(ops.out(), status);
        }
        return exit;
    }
}
