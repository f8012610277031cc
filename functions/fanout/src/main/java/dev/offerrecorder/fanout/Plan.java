package dev.offerrecorder.fanout;

import java.time.LocalDate;
import java.util.List;

/**
 * A checked request: which run, which dates, which shops, and what was wrong with some of its rows
 * ({@code badRowCount} in all, the first of them in {@code badRows}).
 */
public record Plan(
        String kind,
        String runId,
        LocalDate from,
        LocalDate to,
        ShopSpec shops,
        long shopCount,
        long badRowCount,
        List<ManifestReader.BadRow> badRows,
        boolean dryRun,
        long limit,
        double ratePerSecond) {

    public Plan {
        badRows = List.copyOf(badRows);
    }

    public long days() {
        return to.toEpochDay() - from.toEpochDay() + 1;
    }

    /** Jobs the run enqueues: every (shop, date), or the first {@code limit} of them. */
    public long jobs() {
        return Math.min(limit, days() * shopCount);
    }
}
