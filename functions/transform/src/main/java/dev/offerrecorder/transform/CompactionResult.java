package dev.offerrecorder.transform;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * What one compaction did to a partition: files and rows in, the rows kept and files out, the replaced files it
 * deleted and the markers it cleared. Of the rows not kept, {@code duplicatesDropped} had a kept row of their own
 * run; {@code supersededByRun} counts, per run, rows replaced by another run's row (see
 * {@link CompactionService}'s precedence). {@code skipped} with its reason when there was nothing to rewrite.
 */
public record CompactionResult(
        LocalDate date,
        String partition,
        boolean skipped,
        String skipReason,
        int filesIn,
        long bytesIn,
        long rowsIn,
        long rowsOut,
        long duplicatesDropped,
        Map<String, Long> supersededByRun,
        List<String> outputs,
        long bytesOut,
        List<String> deleted,
        int markersCleared) {
    public CompactionResult {
        supersededByRun = Map.copyOf(supersededByRun);
        outputs = List.copyOf(outputs);
        deleted = List.copyOf(deleted);
    }
}
