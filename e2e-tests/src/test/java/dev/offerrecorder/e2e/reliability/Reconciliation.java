package dev.offerrecorder.e2e.reliability;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where every job of a scenario ended: recorded in the table (how often), parked in the job DLQ (with the reason
 * the worker gave), or nowhere (lost).
 *
 * @param jobsIn           distinct jobs the scenario asked for
 * @param recorded         of those, jobs with at least one row in the table
 * @param inDlq            of those, jobs with a message in the job DLQ
 * @param dlqAndRecorded   jobs both recorded and in the DLQ (a write that landed but was never confirmed)
 * @param duplicates       rows beyond the first per job, now
 * @param duplicatesBefore rows beyond the first per job, before compaction
 * @param lost             jobs neither recorded nor in the DLQ
 * @param lostToQuarantine of those, jobs whose raw line the transform quarantined
 * @param unexpected       rows of the scenario's run for a job it never asked for
 * @param dlqReasons       DLQ jobs per reason
 * @param lostSample       a few lost jobs, to say which
 */
record Reconciliation(
        String scenario,
        String stage,
        long jobsIn,
        long recorded,
        long inDlq,
        long dlqAndRecorded,
        long duplicates,
        long duplicatesBefore,
        long lost,
        long lostToQuarantine,
        long unexpected,
        Map<String, Long> dlqReasons,
        List<String> lostSample) {

    Reconciliation {
        dlqReasons = Map.copyOf(dlqReasons);
        lostSample = List.copyOf(lostSample);
    }

    /** The one line each scenario prints; docs/reliability.md quotes these. */
    String line() {
        String reasons = dlqReasons.isEmpty()
                ? ""
                : " "
                        + dlqReasons.entrySet().stream()
                                .sorted(Map.Entry.comparingByKey())
                                .map(e -> e.getValue() + " x " + e.getKey())
                                .collect(Collectors.joining("; ", "[", "]"));
        return String.format(
                "RELIABILITY %-22s %-14s jobs in %d, recorded %d, in DLQ %d%s%s, duplicates %d "
                        + "(%d before compaction), lost %d%s",
                scenario,
                stage,
                jobsIn,
                recorded,
                inDlq,
                dlqAndRecorded > 0 ? " (" + dlqAndRecorded + " of them also recorded)" : "",
                reasons,
                duplicates,
                duplicatesBefore,
                lost,
                lostToQuarantine > 0 ? " (" + lostToQuarantine + " only in quarantine)" : "");
    }
}
