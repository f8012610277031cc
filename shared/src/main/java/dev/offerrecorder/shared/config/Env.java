package dev.offerrecorder.shared.config;

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

    public Env with(String name, String value) {
        var copy = new java.util.HashMap<>(values);
        copy.put(name, value);
        return new Env(copy);
    }
}
