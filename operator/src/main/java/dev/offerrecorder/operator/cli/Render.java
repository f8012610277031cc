package dev.offerrecorder.operator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.offerrecorder.operator.ops.ApiReport;
import dev.offerrecorder.operator.ops.StackStatus;
import dev.offerrecorder.operator.ops.StatusReader;
import dev.offerrecorder.replay.ReplayService;
import dev.offerrecorder.shared.json.Json;
import java.io.PrintWriter;
import java.util.List;

/** Text for people (the default) and JSON for scripts ({@code --json}). */
final class Render {
    private static final ObjectMapper JSON = Json.newMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Render() {}

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void peek(PrintWriter out, ReplayService.DlqPeek peek) {
        out.printf("job DLQ: %d messages visible, %d in flight%n", peek.visible(), peek.inFlight());
        if (peek.sampled() == 0) {
            out.println("  nothing to sample");
            return;
        }
        out.printf(
                "  oldest %s: sent %s (%s ago)%n",
                peek.sampled() >= peek.visible() ? "message" : "in sample",
                peek.oldestSentAt(),
                peek.oldestAgeSeconds() == null ? "?" : DurationConverter.human(peek.oldestAgeSeconds()));
        out.printf("  sample of %d by failure reason:%n", peek.sampled());
        for (ReplayService.ReasonGroup group : peek.reasons()) {
            out.printf("  %6d  %s%n", group.count(), group.reason());
            for (ReplayService.Sample s : group.samples()) {
                out.printf("          e.g. %s (received %d times, sent %s)%n", s.job(), s.receiveCount(), s.sentAt());
            }
        }
    }

    static void tasks(PrintWriter out, List<ReplayService.Task> tasks) {
        if (tasks.isEmpty()) {
            out.println("no replay tasks on the job DLQ");
            return;
        }
        out.printf("%-38s %-10s %14s %6s  %s%n", "task", "status", "moved/to move", "rate", "started");
        for (ReplayService.Task t : tasks) {
            out.printf(
                    "%-38s %-10s %14s %6s  %s%s%n",
                    t.taskHandle(),
                    t.status(),
                    t.moved() + "/" + t.toMove(),
                    t.maxPerSecond() == null ? "-" : t.maxPerSecond() + "/s",
                    t.startedAt(),
                    t.failureReason() == null ? "" : "  " + t.failureReason());
        }
    }

    static void status(PrintWriter out, StackStatus status) {
        out.printf("%s at %s%n", status.stack(), status.at());
        out.printf("%n%-15s %10s %10s %10s%n", "queue", "visible", "in flight", "delayed");
        for (StackStatus.Queue q : status.queues()) {
            out.printf("%-15s %10d %10d %10d%n", q.name(), q.visible(), q.inFlight(), q.delayed());
        }
        if (!status.partitions().isEmpty()) {
            out.printf(
                    "%n%-13s %12s %12s %14s %13s%n",
                    "partition", "raw objects", "raw records", "parquet files", "parquet rows");
            for (StackStatus.Partition p : status.partitions()) {
                out.printf(
                        "dt=%-10s %12d %12d %14d %13d%n",
                        p.dt(), p.rawObjects(), p.rawRecords(), p.parquetFiles(), p.parquetRows());
            }
        }
        if (status.run() != null) {
            out.println();
            run(out, status.run(), status.queue(StatusReader.JOB_DLQ).total());
        }
    }

    static void run(PrintWriter out, StackStatus.Run run, long dlq) {
        if (run.planned() == null) {
            out.printf(
                    "run %s: %d jobs recorded; planned jobs unknown (no runs/%s.json: pass --planned N)%n",
                    run.runId(), run.recorded(), run.runId());
        } else {
            out.printf(
                    "run %s: %d of %d jobs recorded (%.1f %%), %d missing%n",
                    run.runId(),
                    run.recorded(),
                    run.planned(),
                    100.0 * run.recorded() / Math.max(1, run.planned()),
                    run.missing());
        }
        out.printf(
                "  %d raw records in %d objects; rate %.2f jobs/s over the last minute, %.2f on average; " + "ETA %s%n",
                run.records(), run.objects(), run.recentPerSecond(), run.averagePerSecond(), eta(run));
        out.printf(
                "  started %s, last record %s%s%n",
                run.startedAt() == null ? "?" : run.startedAt(),
                run.lastRecordAt() == null ? "-" : run.lastRecordAt(),
                run.plannedFrom() == null ? "" : "; planned count from the " + run.plannedFrom());
        for (StackStatus.RunPartition p : run.partitions()) {
            out.printf("  dt=%s  %d records in %d objects%n", p.dt(), p.records(), p.objects());
        }
        if (run.api() != null) {
            api(out, run.api());
        }
        if (!run.complete() && dlq > 0) {
            out.printf(
                    "  the job DLQ holds %d messages: see them with 'recorder replay peek', replay with "
                            + "'recorder replay start'%n",
                    dlq);
        }
    }

    /** What the run's workers learned about the API (see {@link ApiReport}). */
    static void api(PrintWriter out, ApiReport api) {
        out.printf("  API, from %d worker invocations:%n", api.summaries());
        if (api.calls() > 0) {
            out.printf(
                    "    calls %d: %d answered, %d rejected (429/503), %d timed out, %d other errors"
                            + " (%.1f %% rejected or timed out)%n",
                    api.calls(),
                    api.answered(),
                    api.rejected(),
                    api.timeouts(),
                    api.errors(),
                    100 * api.rejectedShare());
        }
        if (api.noLoadLatencyMs() != null) {
            out.printf(
                    "    no-load latency %.0f ms (fastest tenth %d ms), mean %.0f ms%n",
                    api.noLoadLatencyMs(), api.latencyP10Ms(), api.meanLatencyMs());
            out.printf(
                    "    held %.1f answers/s (median of %d busy seconds), peak %d/s; in flight %.1f mean, %.1f peak%n",
                    api.heldPerSecond(),
                    api.busySeconds(),
                    api.peakPerSecond(),
                    api.meanInFlight(),
                    api.peakInFlight());
            if (api.kneeInFlight() != null) {
                out.printf(
                        "    knee ~%.1f in flight (latency above %.2fx no-load from %.1f in flight) -> capacity ~%.1f/s%n",
                        api.kneeInFlight(),
                        ApiReport.KNEE_FACTOR,
                        api.latencyGrowsFromInFlight(),
                        api.capacityPerSecond());
            } else {
                out.printf("    knee not reached: latency flat up to %.1f in flight%n", api.flatUpToInFlight());
            }
        }
        out.printf("    %s%n", api.verdict());
    }

    static String eta(StackStatus.Run run) {
        if (run.complete()) {
            return "done";
        }
        return run.etaSeconds() == null ? "-" : DurationConverter.human(run.etaSeconds());
    }
}
