package dev.offerrecorder.worker;

/** The API could not give a definitive answer within the attempts or the time allowed; the job is retried by SQS. */
public final class TransientApiFailure extends Exception {
    private final int attempts;
    private final int errors;
    private final int rejections;

    public TransientApiFailure(String reason, int attempts, int errors, int rejections) {
        super(reason);
        this.attempts = attempts;
        this.errors = errors;
        this.rejections = rejections;
    }

    public int attempts() {
        return attempts;
    }

    /** Attempts that got no definitive answer. */
    public int errors() {
        return errors;
    }

    /** Attempts the API pushed back on (429, 503, timeout). */
    public int rejections() {
        return rejections;
    }
}
