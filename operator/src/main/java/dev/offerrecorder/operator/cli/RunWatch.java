package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.StackStatus;
import dev.offerrecorder.operator.ops.StatusReader;
import java.time.Duration;

/**
 * Waits for a run with a progress bar: done when every planned job has a raw record (exit 0); stalled when the
 * job and fan-out queues have stayed empty for a while with jobs still missing, which means they are in the DLQ
 * or were lost (exit 1); or out of time (exit 1).
 */
final class RunWatch {
    record Outcome(int exitCode, StackStatus status) {}

    private RunWatch() {}

    static Outcome await(Ops ops, String runId, Long planned, Duration timeout, Duration interval, Duration stallAfter)
            throws InterruptedException {
        StatusReader reader = ops.status();
        long deadline = System.nanoTime() + timeout.toNanos();
        long drainedSince = -1;
        ProgressBar bar = null;
        while (true) {
            StackStatus status = reader.read(0, runId, planned);
            StackStatus.Run run = status.run();
            if (run.planned() == null) {
                ops.err()
                        .printf(
                                "cannot wait for run %s: its planned job count is unknown (no runs/%s.json in %s);"
                                        + " pass --planned N%n",
                                runId, runId, ops.stack().rawBucket());
                return new Outcome(RecorderCli.EXIT_USAGE, status);
            }
            if (bar == null) {
                bar = new ProgressBar(ops.err(), run.planned(), ops.interactive());
            }
            StackStatus.Queue jobs = status.queue(StatusReader.JOBS);
            long dlq = status.queue(StatusReader.JOB_DLQ).total();
            bar.update(
                    run.recorded(),
                    String.format(
                            "%d/%d recorded, jobs queued %d, in flight %d, DLQ %d, " + "%.1f/s, ETA %s",
                            run.recorded(),
                            run.planned(),
                            jobs.visible() + jobs.delayed(),
                            jobs.inFlight(),
                            dlq,
                            run.recentPerSecond(),
                            Render.eta(run)));
            if (run.complete()) {
                bar.done();
                ops.err().printf("run %s complete: %d of %d jobs recorded%n", runId, run.recorded(), run.planned());
                return new Outcome(RecorderCli.EXIT_OK, status);
            }
            long now = System.nanoTime();
            drainedSince = !status.drained() ? -1 : drainedSince < 0 ? now : drainedSince;
            if (drainedSince >= 0 && now - drainedSince >= stallAfter.toNanos()) {
                bar.done();
                ops.err()
                        .printf(
                                "run %s stalled: %d of %d jobs recorded and nothing left in the job or fan-out "
                                        + "queue; the job DLQ holds %d messages (see 'recorder replay peek', then 'recorder replay "
                                        + "start')%n",
                                runId, run.recorded(), run.planned(), dlq);
                return new Outcome(RecorderCli.EXIT_FAILED, status);
            }
            if (now > deadline) {
                bar.done();
                ops.err()
                        .printf(
                                "gave up waiting for run %s after %s: %d of %d jobs recorded%n",
                                runId, timeout, run.recorded(), run.planned());
                return new Outcome(RecorderCli.EXIT_FAILED, status);
            }
            Thread.sleep(interval.toMillis());
        }
    }
}
