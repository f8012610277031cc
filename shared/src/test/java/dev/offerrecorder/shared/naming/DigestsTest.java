package dev.offerrecorder.shared.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Object names are SHA-256 prefixes: pinned to known values, since a changed name would duplicate objects. */
class DigestsTest {
    @Test
    void aTextIsHashedAsIs() {
        // SHA-256("abc") = ba7816bf8f01cfea...
        assertEquals("ba7816bf8f01cfea", Digests.of("abc", 8));
    }

    @Test
    void linesAreHashedEachWithItsNewline() {
        // SHA-256("abc\nd\n") = f1282259787bfe9fdf238df6...
        assertEquals("f1282259787bfe9fdf238df6", Digests.ofLines(List.of("abc", "d"), 12));
    }
}
