package dev.offerrecorder.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What may go into an HTTP request header. Trace context arrives from message attributes that any producer can
 * set, and the JDK client throws {@link IllegalArgumentException} for a value it will not send (CR, LF, other
 * control characters); such values are dropped here, before the request is built, never discovered while a
 * concurrency slot is held.
 */
final class HeaderValues {
    private HeaderValues() {}

    /** The value trimmed, when every character is visible ASCII, a space or a tab; empty otherwise. */
    static Optional<String> sendable(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.strip();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7E)) {
                return Optional.empty();
            }
        }
        return Optional.of(v);
    }

    /** The entries whose name is a token and whose value is {@link #sendable}; the rest are left out. */
    static Map<String, String> sendable(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (name != null && name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                sendable(value).ifPresent(v -> out.put(name, v));
            }
        });
        return out;
    }
}
