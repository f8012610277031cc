package dev.offerrecorder.shared.rawlog;

/** What a recorded call ended as. Transient failures are not outcomes: those jobs are retried, not recorded. */
public enum Outcome {
    /** 2xx with a JSON object body. */
    OK,
    /** 404: the API does not know the shop. A definitive answer, recorded and not retried. */
    NOT_FOUND,
    /** 2xx whose body is not a JSON object (an HTML error page, truncated JSON): the raw text is kept. */
    GARBAGE,
    /** Another definitive 4xx (400, 401, 403, 422...), recorded with its body. */
    CLIENT_ERROR
}
