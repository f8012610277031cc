package dev.offerrecorder.transform;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One row of the data-platform table {@code offer_recordings}. Carpet writes each component as a typed column
 * named in snake_case: LocalDate as DATE, Instant as UTC TIMESTAMP (millis), Long as INT64. Which response
 * field fills which component is declared in {@link OfferColumns}; everything else stays in response_json.
 */
public record OfferRow(
        String shopId,
        LocalDate targetDate,
        Long offerAmount,
        String currency,
        Boolean eligible,
        Double anomalyScore,
        String modelVersion,
        Instant calculatedAt,
        Integer httpStatus,
        String outcome,
        Long latencyMs,
        Integer attempts,
        String runId,
        Instant recordedAt,
        String requestUrl,
        String responseJson,
        String sourceObject) {
}
