package dev.offerrecorder.local.soak;

import java.time.LocalDate;

/**
 * How often each job of a soak run was seen, in a byte per job: shop {@code 1..shops} on {@code days} dates from
 * {@code from}. A few hundred thousand jobs cost a few hundred kilobytes, where a set of job keys would cost tens of
 * megabytes and distort the heap figure the soak reports.
 */
final class JobLedger {
    private final int shops;
    private final int days;
    private final LocalDate from;
    private final byte[] counts;
    private long outside;

    JobLedger(int shops, int days, LocalDate from) {
        this.shops = shops;
        this.days = days;
        this.from = from;
        this.counts = new byte[Math.multiplyExact(shops, days)];
    }

    /** Counts one sighting; a shop or date outside the run is counted apart (it must never happen). */
    void see(String shopId, LocalDate date) {
        int shop;
        try {
            shop = Integer.parseInt(shopId);
        } catch (NumberFormatException e) {
            outside++;
            return;
        }
        long day = date.toEpochDay() - from.toEpochDay();
        if (shop < 1 || shop > shops || day < 0 || day >= days) {
            outside++;
            return;
        }
        int i = (shop - 1) * days + (int) day;
        if (counts[i] < Byte.MAX_VALUE) {
            counts[i]++;
        }
    }

    /** Jobs seen at least once. */
    long seen() {
        long n = 0;
        for (byte c : counts) {
            n += c > 0 ? 1 : 0;
        }
        return n;
    }

    /** Sightings beyond the first, over all jobs. */
    long repeats() {
        long n = 0;
        for (byte c : counts) {
            n += Math.max(0, c - 1);
        }
        return n;
    }

    /** Jobs seen in neither this ledger nor {@code other}. */
    long missingFromBoth(JobLedger other) {
        long n = 0;
        for (int i = 0; i < counts.length; i++) {
            n += counts[i] == 0 && other.counts[i] == 0 ? 1 : 0;
        }
        return n;
    }

    /** The first few jobs seen in neither ledger, as "shop|date". */
    java.util.List<String> sampleMissing(JobLedger other, int max) {
        var out = new java.util.ArrayList<String>();
        for (int i = 0; i < counts.length && out.size() < max; i++) {
            if (counts[i] == 0 && other.counts[i] == 0) {
                out.add((i / days + 1) + "|" + from.plusDays(i % days));
            }
        }
        return out;
    }

    long outside() {
        return outside;
    }
}
