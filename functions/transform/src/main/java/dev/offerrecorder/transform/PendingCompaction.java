package dev.offerrecorder.transform;

import java.time.LocalDate;
import java.util.List;

/**
 * What a run over the marked partitions did: each partition's result, the partitions left for the next run
 * because time ran out, and the ones that failed (with why; their markers stay, so the next run retries them).
 */
public record PendingCompaction(
        LocalDate upTo, List<CompactionResult> partitions, List<LocalDate> remaining, List<String> failed) {
    public PendingCompaction {
        partitions = List.copyOf(partitions);
        remaining = List.copyOf(remaining);
        failed = List.copyOf(failed);
    }
}
