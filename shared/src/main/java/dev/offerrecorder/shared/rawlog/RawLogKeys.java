package dev.offerrecorder.shared.rawlog;

import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.naming.Digests;
import java.time.LocalDate;
import java.util.Collection;

/**
 * Raw-log object keys: {@code raw/dt=YYYY-MM-DD/run=RUN/part-HASH.jsonl.gz}, where HASH is a digest of the
 * sorted job identities in the object. A redelivered batch holding the same jobs overwrites its object
 * instead of adding a duplicate.
 */
public final class RawLogKeys {
    public static final String PREFIX = "raw/";
    public static final String SUFFIX = ".jsonl.gz";

    private RawLogKeys() {}

    public static String key(String runId, LocalDate date, Collection<Job> jobs) {
        Job.requireId("runId", runId);
        return PREFIX + "dt=" + date + "/run=" + runId + "/part-" + digest(jobs) + SUFFIX;
    }

    static String digest(Collection<Job> jobs) {
        return Digests.ofLines(jobs.stream().map(Job::key).sorted().toList(), 12);
    }
}
