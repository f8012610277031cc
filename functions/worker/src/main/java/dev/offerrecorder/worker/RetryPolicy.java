package dev.offerrecorder.worker;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Exponential backoff with full jitter (sleep a random time in [0, min(max, base * 2^attempt)]), never shorter
 * than what the API asked for in {@code Retry-After}. The jitter comes from a {@code SecureRandom} made per call
 * (retries are rare): Lambda keeps it unique across SnapStart restores, so clones of one snapshot never retry in
 * lockstep, as they would with a generator seeded before the snapshot.
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration max) {

    public static boolean isTransient(int status) {
        return status == 429 || status == 408 || status >= 500;
    }

    public Duration backoff(int attempt, Optional<Duration> retryAfter) {
        long capMillis = Math.min(max.toMillis(), base.toMillis() * (1L << Math.min(20, attempt - 1)));
        long jittered = new SecureRandom().nextLong(capMillis + 1);
        long wanted = retryAfter.map(Duration::toMillis).orElse(0L);
        return Duration.ofMillis(Math.max(jittered, Math.min(wanted, max.toMillis())));
    }

    /** Parses a {@code Retry-After} value: delta seconds or an HTTP date. Garbage is ignored. */
    public static Optional<Duration> parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(now, at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }
}
