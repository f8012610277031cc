package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.StatusReader;
import dev.offerrecorder.replay.ReplayService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./recorder replay peek|start|list|cancel}: the job DLQ and its replay, through the replay function, so
 * the rate it derives from the API's capacity and its one-task-at-a-time rule apply to every caller.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Looks into the job DLQ and replays it into the job queue (SQS redrive) at a rate the API "
                + "can take.",
        subcommands = {
            ReplayCommand.Peek.class,
            ReplayCommand.Start.class,
            ReplayCommand.ListTasks.class,
            ReplayCommand.Cancel.class
        },
        footer = {
            "",
            "Exit codes: 0 ok, 1 failed, 2 usage, 3 unreachable, 4 refused (a replay is already " + "running)."
        })
final class ReplayCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "say what to do: peek, start, list or cancel");
    }

    @Command(
            name = "peek",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = "Shows the DLQ's depth, its oldest message, and a sample grouped by failure reason, "
                    + "without consuming anything (sampled messages are made visible again at once; each peek "
                    + "adds one to their receive counts).")
    static final class Peek extends StackCommand {
        @Option(
                names = "--sample",
                paramLabel = "N",
                defaultValue = "20",
                description = "Messages to sample, 0.." + ReplayService.MAX_SAMPLE + " (default ${DEFAULT-VALUE}).")
        int sample;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        void validate() {
            checkSample(spec, sample);
        }

        @Override
        int run(Ops ops) {
            ReplayService.DlqPeek peek = ops.replay().peek(sample);
            if (json) {
                ops.out().println(Render.json(peek));
            } else {
                Render.peek(ops.out(), peek);
            }
            return RecorderCli.EXIT_OK;
        }
    }

    @Command(
            name = "start",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Shows what the DLQ holds, then starts moving it back to the job queue "
                        + "(StartMessageMoveTask) at most --rate messages a second: by default the replay function's "
                        + "API_CAPACITY_RPS x REPLAY_HEADROOM_PERCENT, never above the capacity.",
                "Refused (exit 4) while another replay runs."
            },
            footer = {
                "",
                "Exit codes: 0 started or nothing to replay (with --wait: every message moved), 1 failed,"
                        + " 2 usage or a rate the function rejected, 3 unreachable, 4 refused."
            })
    static final class Start extends StackCommand {
        @Option(
                names = "--rate",
                paramLabel = "PER_SECOND",
                description = "Messages per second, 1.." + ReplayService.SQS_MAX_RATE
                        + " (default: derived from the API's capacity).")
        Integer rate;

        @Option(
                names = "--sample",
                paramLabel = "N",
                defaultValue = "20",
                description = "Messages to show before starting (default ${DEFAULT-VALUE}; 0: skip the look).")
        int sample;

        @Option(names = "--wait", description = "Follow the move with a progress bar until it completes.")
        boolean await;

        @Option(
                names = "--timeout",
                paramLabel = "DURATION",
                defaultValue = "6h",
                converter = DurationConverter.class,
                description = "With --wait: give up waiting after this long (default ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(
                names = "--interval",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "With --wait: time between checks (default 1s local, 10s AWS).")
        Duration interval;

        @Override
        void validate() {
            checkSample(spec, sample);
            if (rate != null && (rate < 1 || rate > ReplayService.SQS_MAX_RATE)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--rate must be 1.." + ReplayService.SQS_MAX_RATE + " messages a second (SQS's limit), got "
                                + rate);
            }
        }

        @Override
        int run(Ops ops) throws InterruptedException {
            if (sample > 0) {
                Render.peek(ops.err(), ops.replay().peek(sample));
            }
            ReplayService.StartResult result = ops.replay().start(rate);
            switch (result.status()) {
                case REFUSED -> {
                    ops.err().println("refused: " + result.message());
                    return RecorderCli.EXIT_REFUSED;
                }
                case NOTHING_TO_MOVE -> {
                    ops.out().println(result.message());
                    return RecorderCli.EXIT_OK;
                }
                case STARTED -> ops.out().println(result.message());
            }
            if (!await) {
                return RecorderCli.EXIT_OK;
            }
            return follow(ops, result);
        }

        private int follow(Ops ops, ReplayService.StartResult started) throws InterruptedException {
            ProgressBar bar = new ProgressBar(ops.err(), started.dlqMessages(), ops.interactive());
            long deadline = System.nanoTime() + timeout.toNanos();
            Duration every = interval != null ? interval : ops.defaultInterval();
            var replay = ops.replay();
            while (true) {
                Optional<ReplayService.Task> task = replay.list().stream()
                        .filter(t -> started.taskHandle().equals(t.taskHandle()))
                        .findFirst();
                if (task.isEmpty()) {
                    bar.done();
                    // SQS forgets cancelled tasks (ElasticMQ at once): what is left in the DLQ tells the outcome.
                    long left = ops.status()
                            .queue(StatusReader.JOB_DLQ, ops.stack().jobDlqUrl())
                            .total();
                    ops.err()
                            .printf(
                                    "task %s is no longer listed; the job DLQ holds %d messages%n",
                                    started.taskHandle(), left);
                    return left == 0 ? RecorderCli.EXIT_OK : RecorderCli.EXIT_FAILED;
                }
                ReplayService.Task t = task.get();
                bar.update(
                        t.moved(),
                        t.status() + ", moved " + t.moved() + " of " + Math.max(t.toMove(), started.dlqMessages())
                                + " at most " + t.maxPerSecond() + "/s");
                if (!t.active()) {
                    bar.done();
                    if ("COMPLETED".equals(t.status())) {
                        ops.out()
                                .printf(
                                        "replay %s completed: %d messages moved back to the job queue%n",
                                        t.taskHandle(), t.moved());
                        return RecorderCli.EXIT_OK;
                    }
                    ops.err()
                            .printf(
                                    "replay %s ended %s after %d messages%s%n",
                                    t.taskHandle(),
                                    t.status(),
                                    t.moved(),
                                    t.failureReason() == null ? "" : ": " + t.failureReason());
                    return RecorderCli.EXIT_FAILED;
                }
                if (System.nanoTime() > deadline) {
                    bar.done();
                    ops.err()
                            .printf(
                                    "stopped waiting after %s; replay %s still runs (moved %d)%n",
                                    timeout, t.taskHandle(), t.moved());
                    return RecorderCli.EXIT_FAILED;
                }
                Thread.sleep(every.toMillis());
            }
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = "Lists the DLQ's replay tasks (SQS keeps recent ones), running or finished.")
    static final class ListTasks extends StackCommand {
        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        int run(Ops ops) {
            List<ReplayService.Task> tasks = ops.replay().list();
            if (json) {
                ops.out().println(Render.json(tasks));
            } else {
                Render.tasks(ops.out(), tasks);
            }
            return RecorderCli.EXIT_OK;
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = "Cancels a replay: the one given, or the running one. Moved messages stay moved.")
    static final class Cancel extends StackCommand {
        @Parameters(arity = "0..1", paramLabel = "TASK_HANDLE", description = "The task (default: the running one).")
        String taskHandle;

        @Override
        int run(Ops ops) {
            ops.out().println(ops.replay().cancel(taskHandle).message());
            return RecorderCli.EXIT_OK;
        }
    }

    static void checkSample(CommandSpec spec, int sample) {
        if (sample < 0 || sample > ReplayService.MAX_SAMPLE) {
            throw new ParameterException(
                    spec.commandLine(), "--sample must be 0.." + ReplayService.MAX_SAMPLE + ", got " + sample);
        }
    }
}
