package dev.offerrecorder.worker;

import dev.offerrecorder.shared.failure.JobFailure;

/** The API could not give a definitive answer within the attempts or the time allowed; the job is retried by SQS. */
public final class TransientApiFailure extends Exception {
    private final JobFailure.Kind kind;
    private final int attempts;
    private final int errors;
    private final int rejections;

    public TransientApiFailure(JobFailure.Kind kind, String reason, int attempts, int errors, int rejections) {
        super(reason);
        this.kind = kind;
        this.attempts = attempts;
        this.errors = errors;
        this.rejections = rejections;
    }

    /** The job's failure as the batch reports it. */
    public JobFailure failure() {
        return new JobFailure(kind, getMessage());
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
