package dev.offerrecorder.shared.rawlog;

import dev.offerrecorder.shared.job.Job;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HexFormat;

/**
 * Raw-log object keys: {@code raw/dt=YYYY-MM-DD/run=RUN/part-HASH.jsonl.gz}, where HASH is a digest of the
 * sorted job identities in the object. A redelivered batch holding the same jobs overwrites its object
 * instead of adding a duplicate.
 */
public final class RawLogKeys {
    public static final String PREFIX = "raw/";
    public static final String SUFFIX = ".jsonl.gz";

    private RawLogKeys() {
    }

    public static String key(String runId, LocalDate date, Collection<Job> jobs) {
        Job.requireId("runId", runId);
        return PREFIX + "dt=" + date + "/run=" + runId + "/part-" + digest(jobs) + SUFFIX;
    }

    static String digest(Collection<Job> jobs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            jobs.stream().map(Job::key).sorted().forEach(k -> {
                sha.update(k.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            });
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
