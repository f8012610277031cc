package dev.offerrecorder.transform;

import java.time.LocalDate;
import java.util.List;

/**
 * What one compaction did to a partition: files and rows in, the deduplicated rows and files out, and the
 * replaced files it deleted. {@code skipped} with its reason when there was nothing to do.
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
        List<String> outputs,
        long bytesOut,
        List<String> deleted) {
    public CompactionResult {
        outputs = List.copyOf(outputs);
        deleted = List.copyOf(deleted);
    }
}
