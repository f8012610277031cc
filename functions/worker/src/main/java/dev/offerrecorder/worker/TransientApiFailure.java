package dev.offerrecorder.worker;

/** The API could not give a definitive answer within the attempts or the time allowed; the job is retried by SQS. */
public final class TransientApiFailure extends Exception {
    private final int attempts;

    public TransientApiFailure(String reason, int attempts) {
        super(reason);
        this.attempts = attempts;
    }

    public int attempts() {
        return attempts;
    }
}
