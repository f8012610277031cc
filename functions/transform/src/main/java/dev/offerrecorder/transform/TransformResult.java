package dev.offerrecorder.transform;

import java.util.List;

/**
 * Counts for one raw object. Every input line is either a row written or a line quarantined, so
 * {@code linesIn == rowsOut + quarantined} always (the constructor enforces it). When the gzip stream broke
 * ({@code truncated}), its unreadable tail counts as one input line, quarantined with the reason.
 * {@code reclassified} rows (part of rowsOut) are OK answers that did not fit the table, recorded as GARBAGE.
 */
public record TransformResult(
        String source,
        long linesIn,
        long rowsOut,
        long quarantined,
        long reclassified,
        boolean truncated,
        List<String> outputs,
        String quarantineObject) {
    public TransformResult {
        if (linesIn != rowsOut + quarantined) {
            throw new IllegalStateException("counts of " + source + " do not add up: " + linesIn + " lines in, "
                    + rowsOut + " rows out, " + quarantined + " quarantined");
        }
        outputs = List.copyOf(outputs);
    }
}
