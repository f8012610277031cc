package dev.offerrecorder.fanout;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;
import java.util.List;

/**
 * What one fan-out invocation did, returned to the caller and logged.
 *
 * @param kind       schedule, backfill or slice
 * @param status     done (every job of the invocation is enqueued), sliced (slices sent to the fan-out queue),
 *                   handed-over (the rest continues in a new slice message), dry-run
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
        long durationMs) {}
