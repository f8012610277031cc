package dev.offerrecorder.fanout;

import java.time.LocalDate;

/**
 * A piece of a run: every (shop, date) with date in [from, to] and shop position in [shopStart, shopEnd) of its
 * {@link ShopSpec}, enumerated date-major. {@code cursor} counts the jobs already enqueued, so a hand-over
 * resumes exactly where the previous invocation's last confirmed batch ended;
 * {@code end} is where the slice stops (a request's job limit, or all of them).
 */
public record Slice(String runId, LocalDate from, LocalDate to, ShopSpec shops, long shopStart, long shopEnd,
                    long cursor, long end) {

    public long days() {
        return to.toEpochDay() - from.toEpochDay() + 1;
    }

    public long shopCount() {
        return shopEnd - shopStart;
    }

    /** Jobs this slice enqueues in all: every (shop, date), or fewer when the request set a limit. */
    public long totalJobs() {
        return Math.min(end, days() * shopCount());
    }

    public Slice withCursor(long next) {
        return new Slice(runId, from, to, shops, shopStart, shopEnd, next, end);
    }
}
