package dev.offerrecorder.fanout;

import java.time.LocalDate;
import java.util.List;

/** A checked request: which run, which dates, which shops, and what was wrong with some of its rows. */
public record Plan(String kind, String runId, LocalDate from, LocalDate to, ShopSpec shops, long shopCount,
                   List<ManifestReader.BadRow> badRows, boolean dryRun, long limit, double ratePerSecond) {

    public long days() {
        return to.toEpochDay() - from.toEpochDay() + 1;
    }

    public long jobs() {
        return Math.min(limit, days() * shopCount);
    }
}
