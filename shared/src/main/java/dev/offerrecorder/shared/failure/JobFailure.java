package dev.offerrecorder.shared.failure;

/**
 * Why a job was not recorded this time: a kind to group and count by, and the detail an operator reads (the
 * API's last answer, the write error). The worker reports it per batch and leaves it as a {@link FailureNotes
 * note}; replay's peek groups parked jobs by it.
 */
public record JobFailure(Kind kind, String detail) {
    public enum Kind {
        /** The message is not a job: it fails alone, every time. */
        INVALID_MESSAGE("invalid message"),
        /** The invocation ran short before the job could be called (or called again). */
        DEADLINE("deadline"),
        /** Every attempt got a transient answer (5xx, 429, timeout, stalled body, I/O error). */
        RETRIES_EXHAUSTED("retries exhausted"),
        /** The API refused the credential (401/403), also after it was read again; the batch stopped. */
        API_AUTH("api auth failure"),
        /** The request for this job could not be built. */
        BAD_REQUEST("request not built"),
        /** The answer was in hand, but its raw-log write failed. */
        RAW_LOG_WRITE("raw-log write failed"),
        /** Anything else: a bug to look at. */
        UNEXPECTED("unexpected error");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The words used in logs, batch results and metrics ({@code failed.<label with _>}). */
        public String label() {
            return label;
        }
    }

    public JobFailure {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
        detail = detail == null ? "" : detail;
    }

    /** "label: detail", or the label alone. */
    public String summary() {
        return detail.isEmpty() ? kind.label() : kind.label() + ": " + detail;
    }
}
