package dev.offerrecorder.worker;

/**
 * One batch's handling of a refused credential. The first 401/403 re-reads the token once (a rotation lands
 * here); every job refused then gets one more try with the current token. A job refused again stops the batch:
 * no further calls, every job not yet answered goes back to SQS, nothing is recorded for them.
 */
final class BatchAuth {
    private final ApiCredential credential;
    private boolean reread;
    private String rereadError;
    private volatile int refusedStatus;

    BatchAuth(ApiCredential credential) {
        this.credential = credential;
    }

    /** Re-reads the credential unless this batch already did; later callers wait for that read to finish. */
    synchronized void rereadOnce() {
        if (reread) {
            return;
        }
        reread = true;
        try {
            credential.reload();
        } catch (RuntimeException e) {
            // The old token stays; the retry will tell whether it still works.
            rereadError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** The credential was refused again after the re-read: stop calling. */
    void stop(int status) {
        refusedStatus = status;
    }

    boolean stopped() {
        return refusedStatus != 0;
    }

    /** 401 or 403 when the batch stopped, else 0. */
    int refusedStatus() {
        return refusedStatus;
    }

    synchronized boolean reread() {
        return reread;
    }

    /** Why the re-read failed, or null. */
    synchronized String rereadError() {
        return rereadError;
    }
}
