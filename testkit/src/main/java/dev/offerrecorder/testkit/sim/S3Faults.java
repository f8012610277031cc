package dev.offerrecorder.testkit.sim;

/**
 * Which requests the {@link S3FaultProxy} breaks: every {@code everyNth} PutObject call under
 * {@code bucket/keyPrefix} ({@link #puts}), or every {@code everyNth} delete in {@code bucket} ({@link #deletes}:
 * DeleteObjects batches, whose keys are in the body, and DeleteObject calls under the prefix), counted per SDK call (all retries of one call share the SDK's
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
public record S3Faults(String bucket, String keyPrefix, int everyNth, Mode mode, Operation operation) {
    /** What the fault strikes: object writes, or deletes. */
    public enum Operation {
        PUT,
        DELETE
    }

    public enum Mode {
        REJECT,
        LOSE_RESPONSE,
        ALTERNATE
    }

    public S3Faults {
        if (everyNth < 0) {
            throw new IllegalArgumentException("everyNth must be >= 0 (0: no faults), got " + everyNth);
        }
        if (mode == null || bucket == null || keyPrefix == null || operation == null) {
            throw new IllegalArgumentException("bucket, keyPrefix, mode and operation are required");
        }
    }

    public static S3Faults none() {
        return new S3Faults("", "", 0, Mode.REJECT, Operation.PUT);
    }

    public static S3Faults puts(String bucket, String keyPrefix, int everyNth, Mode mode) {
        return new S3Faults(bucket, keyPrefix, everyNth, mode, Operation.PUT);
    }

    /**
     * Every {@code everyNth} delete in {@code bucket}: a DeleteObjects batch whatever keys it names, a DeleteObject
     * of a key under {@code keyPrefix}. LOSE_RESPONSE deletes the objects and cuts the answer.
     */
    public static S3Faults deletes(String bucket, String keyPrefix, int everyNth, Mode mode) {
        return new S3Faults(bucket, keyPrefix, everyNth, mode, Operation.DELETE);
    }

    /**
     * Whether a request (path-style: {@code /bucket/key}, query apart) is one this fault applies to.
     *
     * @param query the request target's query, without the '?' ("" when none)
     */
    boolean covers(String method, String rawPath, String query) {
        if (everyNth <= 0) {
            return false;
        }
        String objects = "/" + bucket + "/" + keyPrefix;
        return switch (operation) {
            case PUT -> "PUT".equals(method) && rawPath.startsWith(objects);
            case DELETE ->
                ("DELETE".equals(method) && rawPath.startsWith(objects))
                        || ("POST".equals(method)
                                && (rawPath.equals("/" + bucket) || rawPath.equals("/" + bucket + "/"))
                                && java.util.Arrays.stream(query.split("&"))
                                        .anyMatch(p -> p.equals("delete") || p.startsWith("delete=")));
        };
    }
}
