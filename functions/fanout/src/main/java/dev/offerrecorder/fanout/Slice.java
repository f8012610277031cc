package dev.offerrecorder.fanout;

import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.request.BadRequestException;
import java.time.LocalDate;

/**
 * A piece of a run, sent as a message on the fan-out queue: every (shop, date) with date in [from, to] and shop
 * position in [shopStart, shopEnd) of its {@link ShopSpec}, enumerated date-major (all shops of the first date,
 * then the next date). {@code cursor} counts the jobs of this slice already confirmed by SQS, so a hand-over
 * resumes exactly where the previous invocation's confirmed prefix ended; {@code end} is where the slice stops
 * (a request's job limit, or all of them). {@code failures} counts hand-overs in a row caused by SQS refusing
 * jobs with no job getting through, so a queue that keeps refusing ends in the fan-out DLQ instead of looping.
 */
public record Slice(
        String runId,
        int part,
        int parts,
        LocalDate from,
        LocalDate to,
        ShopSpec shops,
        long shopStart,
        long shopEnd,
        long cursor,
        long end,
        int failures) {

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

    /** The date of the job at position {@code k} of this slice. */
    public LocalDate dateAt(long k) {
        return from.plusDays(k / shopCount());
    }

    /** The position in the shop source of the job at position {@code k} of this slice. */
    public long shopAt(long k) {
        return shopStart + k % shopCount();
    }

    Slice withParts(int count) {
        return new Slice(runId, part, count, from, to, shops, shopStart, shopEnd, cursor, end, failures);
    }

    public Slice resumeAt(long next, int failuresInARow) {
        return new Slice(runId, part, parts, from, to, shops, shopStart, shopEnd, next, end, failuresInARow);
    }

    /** Checks a slice read from a queue message; the message names the broken field. */
    public Slice check() {
        if (!Job.isValidId(runId)) {
            throw new BadRequestException("slice has no valid runId: " + runId);
        }
        if (!Job.isValidDate(from) || !Job.isValidDate(to) || to.isBefore(from)) {
            throw new BadRequestException("slice of run " + runId + " has no valid date range: " + from + ".." + to);
        }
        if (shops == null) {
            throw new BadRequestException("slice of run " + runId + " has no shop source");
        }
        shops.check();
        if (shopStart < 0 || shopEnd <= shopStart || cursor < 0 || end < 0 || cursor > totalJobs()) {
            throw new BadRequestException("slice of run " + runId + " has inconsistent positions: shops " + shopStart
                    + ".." + shopEnd + ", cursor " + cursor + ", end " + end);
        }
        return this;
    }

    @Override
    public String toString() {
        return runId + " part " + part + "/" + parts + " " + from + ".." + to + " shops[" + shopStart + "," + shopEnd
                + ") at " + cursor + "/" + totalJobs();
    }
}
