package dev.offerrecorder.shared.job;

import java.time.LocalDate;
import java.util.regex.Pattern;

/**
 * One unit of work: ask the calculation API for one shop's offer on one date, as part of one run.
 * Identity is (runId, shopId, date); SQS message IDs change on replay and are never used as a key.
 * Every field is validated here, before it can reach a URL or an S3 key.
 */
public record Job(String runId, String shopId, LocalDate date) {
    /**
     * Letters, digits, '-' and '_' only: nothing that could traverse a path or inject into a key or URL. The rule
     * as a regex, for reference and tests; {@link #isValidId} checks it by hand (the regex was 3.5 % of the
     * transform's CPU time, which checks two IDs per row).
     */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    static final int MAX_ID_LENGTH = 64;

    public static final LocalDate EARLIEST_DATE = LocalDate.of(2000, 1, 1);

    public Job {
        requireId("runId", runId);
        requireId("shopId", shopId);
        requireDate(date);
    }

    /** A job's date: from 2000-01-01 to 2100-12-31, so it always names a plain {@code dt=YYYY-MM-DD} partition. */
    public static void requireDate(LocalDate date) {
        if (date == null) {
            throw new InvalidJobException("date is missing");
        }
        if (!isValidDate(date)) {
            throw new InvalidJobException("date " + date + " is outside 2000-01-01..2100-12-31");
        }
    }

    public static boolean isValidDate(LocalDate date) {
        return date != null && !date.isBefore(EARLIEST_DATE) && date.getYear() <= 2100;
    }

    public static void requireId(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidJobException(field + " is missing or blank");
        }
        if (!isValidId(value)) {
            throw new InvalidJobException(
                    field + " '" + abbreviate(value) + "' must be 1-64 characters of letters, digits, '-' or '_'");
        }
    }

    /** Whether {@code value} matches {@link #ID}: 1-64 ASCII letters, digits, '-' or '_'. */
    public static boolean isValidId(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The job's identity as one string, used for deterministic keys and de-duplication. */
    public String key() {
        return runId + "|" + shopId + "|" + date;
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
