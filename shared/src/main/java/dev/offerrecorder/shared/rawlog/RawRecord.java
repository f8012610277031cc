package dev.offerrecorder.shared.rawlog;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One line of a raw log: everything needed to reproduce and audit one job's outcome.
 * {@code requestUrl} never carries secrets (the API token travels in a header); {@code responseBody} is the
 * API's raw text, kept even when it is garbage.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RawRecord(
        int v,
        String runId,
        String shopId,
        LocalDate targetDate,
        String requestUrl,
        Integer httpStatus,
        Outcome outcome,
        long latencyMs,
        int attempts,
        String responseBody,
        Instant recordedAt,
        String messageId,
        String error) {

    public static final int VERSION = 1;
}
