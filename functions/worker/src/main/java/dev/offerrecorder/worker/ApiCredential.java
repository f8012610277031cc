package dev.offerrecorder.worker;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The API token as a container holds it: read when the handler is built, read again after a SnapStart restore
 * (the snapshot may be days old and the secret rotated since) and when the API refuses it (401/403).
 */
public final class ApiCredential {
    private final Supplier<Optional<String>> source;
    private volatile Optional<String> token;

    /** Reads the token from {@code source} now; {@link #reload()} reads it again. */
    public ApiCredential(Supplier<Optional<String>> source) {
        this.source = source;
        this.token = source.get();
    }

    /** A token that never changes (or none): for callers that have no store to read again. */
    public static ApiCredential fixed(Optional<String> token) {
        return new ApiCredential(() -> token);
    }

    public Optional<String> current() {
        return token;
    }

    /** Reads the token again from its store; a failure leaves the current one and is thrown to the caller. */
    public Optional<String> reload() {
        Optional<String> fresh = source.get();
        token = fresh;
        return fresh;
    }
}
