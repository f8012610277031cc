package dev.offerrecorder.local.soak;

import java.util.Map;

/**
 * What one soak run did. {@code lost} and {@code duplicates} are the verdict: both must be 0.
 *
 * @param finished          whether the pipeline went quiet before the time bound (else the figures are partial)
 * @param jobsIn            jobs the backfill asked for
 * @param recorded          distinct jobs with a row in the table after compaction
 * @param inDlq             distinct jobs parked in the job DLQ
 * @param duplicates        rows beyond the first per job after compaction
 * @param duplicatesBefore  rows beyond the first per job before compaction
 * @param lost              jobs neither in the table nor in the DLQ (for an unfinished run: not done yet)
 * @param unexpectedRows    rows for shops or dates the run never asked for
 * @param rawRecords        raw-log lines written (redeliveries and lost acknowledgements make it exceed jobsIn)
 * @param apiRequests       HTTP requests the simulated API received
 * @param faults            what was injected, by kind
 * @param peakHeapMb        highest heap use sampled (every 100 ms) during the run
 * @param seconds           wall time from the backfill to the end of compaction
 */
public record SoakReport(
        boolean finished,
        long jobsIn,
        long recorded,
        long inDlq,
        long duplicates,
        long duplicatesBefore,
        long lost,
        long unexpectedRows,
        long rawRecords,
        long apiRequests,
        Map<String, Long> faults,
        long peakHeapMb,
        double seconds) {

    public SoakReport {
        faults = Map.copyOf(faults);
    }

    public boolean ok() {
        return finished && lost == 0 && duplicates == 0 && unexpectedRows == 0;
    }

    /** The lines printed at the end of a run. */
    public String summary() {
        // Jobs an unfinished run never reached are not lost, only not done yet.
        return String.format(
                        "soak %s: jobs in %d, recorded %d, in DLQ %d, duplicates %d (%d before compaction), %s %d"
                                + "%n  raw records %d, API requests %d, peak heap %d MB, %.0f s (%.0f jobs recorded/s)%n"
                                + "  faults %s",
                        finished ? (ok() ? "PASSED" : "FAILED") : "UNFINISHED (time bound reached)",
                        jobsIn,
                        recorded,
                        inDlq,
                        duplicates,
                        duplicatesBefore,
                        finished ? "lost" : "not done",
                        lost,
                        rawRecords,
                        apiRequests,
                        peakHeapMb,
                        seconds,
                        seconds > 0 ? recorded / seconds : 0,
                        new java.util.TreeMap<>(faults))
                + (unexpectedRows > 0 ? String.format("%n  UNEXPECTED rows %d", unexpectedRows) : "");
    }
}
