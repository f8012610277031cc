package dev.offerrecorder.fanout;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;
import java.util.List;

/** What one fan-out invocation did, returned to the caller and logged. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FanoutSummary(
        String kind,
        String runId,
        LocalDate from,
        LocalDate to,
        long shops,
        long days,
        long jobsPlanned,
        long jobsEnqueued,
        int slices,
        int handovers,
        int badRows,
        List<ManifestReader.BadRow> badRowSamples,
        boolean dryRun,
        Double estimatedApiSeconds,
        long durationMs) {
}
