package dev.offerrecorder.shared.naming;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic object names: the first bytes of a SHA-256, in hex. The same input always gives the same name, so
 * a retried write overwrites rather than duplicates.
 */
public final class Digests {
    private Digests() {}

    /** SHA-256 of each line followed by a newline, in the order given; the first {@code bytes} bytes in hex. */
    public static String ofLines(Iterable<String> lines, int bytes) {
        MessageDigest sha = sha256();
        for (String line : lines) {
            sha.update(line.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        return HexFormat.of().formatHex(sha.digest(), 0, bytes);
    }

    /** SHA-256 of {@code text}; the first {@code bytes} bytes in hex. */
    public static String of(String text, int bytes) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)), 0, bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
