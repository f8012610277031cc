package dev.offerrecorder.worker;

/**
 * The API refused the credential (401 or 403). Not an answer to record and not a reason to retry with the same
 * token: the worker re-reads the credential once, and if it is still refused, stops calling for the batch.
 */
public final class ApiAuthRejected extends Exception {
    private final int status;
    private final boolean withToken;
    private final int attempts;
    private final int errors;
    private final int rejections;

    public ApiAuthRejected(int status, boolean withToken, int attempts, int errors, int rejections) {
        super("HTTP " + status + " from the API");
        this.status = status;
        this.withToken = withToken;
        this.attempts = attempts;
        this.errors = errors;
        this.rejections = rejections;
    }

    public int status() {
        return status;
    }

    /** Whether a token was sent at all (a 401 without one means the token is not configured). */
    public boolean withToken() {
        return withToken;
    }

    public int attempts() {
        return attempts;
    }

    public int errors() {
        return errors;
    }

    public int rejections() {
        return rejections;
    }
}
