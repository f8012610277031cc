package dev.offerrecorder.testkit.sim;

/**
 * Which object writes the {@link S3FaultProxy} breaks: every {@code everyNth} PutObject call under
 * {@code bucket/keyPrefix}, counted per SDK call (all retries of one call share the SDK's
 * {@code amz-sdk-invocation-id}), so the SDK's own retries cannot hide the fault and the caller sees the write
 * fail, as it would after a real S3 outage.
 *
 * <ul>
 *   <li>{@link Mode#REJECT}: every attempt is answered 500 InternalError and nothing is stored.</li>
 *   <li>{@link Mode#LOSE_RESPONSE}: every attempt reaches S3 and is stored, then the connection is cut before the
 *   answer: the object exists, but the writer never learns it (a lost acknowledgement).</li>
 *   <li>{@link Mode#ALTERNATE}: the faulty calls take turns, REJECT then LOSE_RESPONSE.</li>
 * </ul>
 */
public record S3Faults(String bucket, String keyPrefix, int everyNth, Mode mode) {
    public enum Mode {
        REJECT,
        LOSE_RESPONSE,
        ALTERNATE
    }

    public S3Faults {
        if (everyNth < 0) {
            throw new IllegalArgumentException("everyNth must be >= 0 (0: no faults), got " + everyNth);
        }
        if (mode == null || bucket == null || keyPrefix == null) {
            throw new IllegalArgumentException("bucket, keyPrefix and mode are required");
        }
    }

    public static S3Faults none() {
        return new S3Faults("", "", 0, Mode.REJECT);
    }

    public static S3Faults puts(String bucket, String keyPrefix, int everyNth, Mode mode) {
        return new S3Faults(bucket, keyPrefix, everyNth, mode);
    }

    /** Whether a request for this path (path-style, {@code /bucket/key}) is a write this fault applies to. */
    boolean covers(String method, String rawPath) {
        return everyNth > 0 && "PUT".equals(method) && rawPath.startsWith("/" + bucket + "/" + keyPrefix);
    }
}
