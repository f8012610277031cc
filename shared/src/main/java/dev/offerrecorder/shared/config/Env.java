package dev.offerrecorder.shared.config;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;

/**
 * The configuration a function is built from: Lambda's environment variables in production, a plain map in the
 * local runner and in tests. Errors name the variable so a misconfigured stack says what to fix.
 */
public record Env(Map<String, String> values) {

    public Env {
        values = Map.copyOf(values);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public String require(String name) {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            throw new ConfigException(name, "is required but not set");
        }
        return value.trim();
    }

    public Optional<String> optional(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String get(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public int getInt(String name, int defaultValue, int min, int max) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(raw.get());
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "must be a whole number, got '" + raw.get() + "'");
        }
        if (value < min || value > max) {
            throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /**
     * A required S3 bucket name, checked against S3's naming rules (3-63 characters of a-z, 0-9, '.' and '-',
     * starting and ending with a letter or digit), so a typo fails the cold start, not the first write.
     */
    public String bucket(String name) {
        String value = require(name);
        if (!value.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new ConfigException(name, "is not an S3 bucket name (3-63 of a-z 0-9 . -), got '" + value + "'");
        }
        return value;
    }

    /** A required http(s) URL, such as an SQS queue URL. */
    public String url(String name) {
        String value = require(name);
        try {
            var uri = new java.net.URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return value;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new ConfigException(name, "is not an http(s) URL, got '" + value + "'");
    }

    /**
     * A time zone: an IANA region ID ({@code Asia/Tokyo}, {@code UTC}) or a fixed offset ({@code +09:00}). The one
     * parser every function uses for {@code TIME_ZONE}, so a bad value reads the same wherever it is set.
     */
    public ZoneId zone(String name, String defaultValue) {
        String raw = get(name, defaultValue);
        try {
            return ZoneId.of(raw);
        } catch (DateTimeException e) {
            throw new ConfigException(
                    name, "is not a time-zone ID (an IANA name like Asia/Tokyo or UTC), got '" + raw + "'");
        }
    }

    public Env with(String name, String value) {
        return with(Map.of(name, value));
    }

    /** This environment with {@code overrides} set on top. */
    public Env with(Map<String, String> overrides) {
        var copy = new java.util.HashMap<>(values);
        copy.putAll(overrides);
        return new Env(copy);
    }
}
