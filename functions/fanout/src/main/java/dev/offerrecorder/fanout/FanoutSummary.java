package dev.offerrecorder.fanout;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;
import java.util.List;

/**
 * What one fan-out invocation did, returned to the caller and logged.
 *
 * @param kind       schedule, backfill or slice
 * @param status     done (every job of the invocation is enqueued), sliced (slices sent to the fan-out queue),
 *                   handed-over (the rest continues in a new slice message), deferred (a slice held back while
 *                   the job queue is above its release mark, re-sent delayed), dry-run
 * @param jobsPlanned jobs the run (or, for a slice invocation, the rest of the slice) comprises
 * @param handovers  continuation messages this invocation sent
 * @param resumeAt   for a hand-over: the slice position the continuation starts at
 * @param handoverReason for a hand-over: "deadline", or why SQS refused jobs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FanoutSummary(
        String kind,
        String status,
        String runId,
        String part,
        LocalDate from,
        LocalDate to,
        long shops,
        long days,
        long jobsPlanned,
        long jobsEnqueued,
        int slices,
        int handovers,
        Long resumeAt,
        String handoverReason,
        long badRows,
        List<ManifestReader.BadRow> badRowSamples,
        boolean dryRun,
        Double ratePerSecond,
        Double estimatedApiSeconds,
        String estimatedApiDuration,
        long durationMs) {

    /** Starts a summary; the builder names each group of fields, so no call site lists 21 values in order. */
    static Builder builder(String kind, String status, String runId) {
        return new Builder(kind, status, runId);
    }

    /** Names the fields of a {@link FanoutSummary} in groups; unset fields are null, zero or false. */
    static final class Builder {
        private final String kind;
        private final String status;
        private final String runId;
        private String part;
        private LocalDate from;
        private LocalDate to;
        private long shops;
        private long days;
        private long jobsPlanned;
        private long jobsEnqueued;
        private int slices;
        private int handovers;
        private Long resumeAt;
        private String handoverReason;
        private long badRows;
        private List<ManifestReader.BadRow> badRowSamples;
        private boolean dryRun;
        private Double ratePerSecond;
        private Double estimatedApiSeconds;
        private String estimatedApiDuration;
        private long durationMs;

        private Builder(String kind, String status, String runId) {
            this.kind = kind;
            this.status = status;
            this.runId = runId;
        }

        /** For a slice invocation: "part/parts". */
        Builder part(String value) {
            this.part = value;
            return this;
        }

        /** The dates and shops the run or slice covers. */
        Builder scope(LocalDate from, LocalDate to, long shops, long days) {
            this.from = from;
            this.to = to;
            this.shops = shops;
            this.days = days;
            return this;
        }

        Builder jobs(long planned, long enqueued) {
            this.jobsPlanned = planned;
            this.jobsEnqueued = enqueued;
            return this;
        }

        Builder slices(int count) {
            this.slices = count;
            return this;
        }

        /** Continuation messages sent; for a hand-over, where the continuation starts and why. */
        Builder handover(int count, Long resumeAt, String reason) {
            this.handovers = count;
            this.resumeAt = resumeAt;
            this.handoverReason = reason;
            return this;
        }

        Builder badRows(long count, List<ManifestReader.BadRow> samples) {
            this.badRows = count;
            this.badRowSamples = samples;
            return this;
        }

        Builder dryRun(boolean value) {
            this.dryRun = value;
            return this;
        }

        /** The time the API needs for the run's jobs at {@code ratePerSecond}. */
        Builder estimate(Double ratePerSecond, Double apiSeconds, String apiDuration) {
            this.ratePerSecond = ratePerSecond;
            this.estimatedApiSeconds = apiSeconds;
            this.estimatedApiDuration = apiDuration;
            return this;
        }

        Builder durationMs(long value) {
            this.durationMs = value;
            return this;
        }

        FanoutSummary build() {
            return new FanoutSummary(
                    kind,
                    status,
                    runId,
                    part,
                    from,
                    to,
                    shops,
                    days,
                    jobsPlanned,
                    jobsEnqueued,
                    slices,
                    handovers,
                    resumeAt,
                    handoverReason,
                    badRows,
                    badRowSamples,
                    dryRun,
                    ratePerSecond,
                    estimatedApiSeconds,
                    estimatedApiDuration,
                    durationMs);
        }
    }
}
