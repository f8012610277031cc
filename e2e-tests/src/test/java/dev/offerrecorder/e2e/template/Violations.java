package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** Assertion over a check's violation list, printing every violation when there are any. */
final class Violations {
    private Violations() {}

    static void assertNone(String check, List<String> violations) {
        assertTrue(
                violations.isEmpty(),
                () -> "template.yaml fails " + check + " (" + violations.size() + " violation"
                        + (violations.size() == 1 ? "" : "s") + "):\n  - " + String.join("\n  - ", violations));
    }
}
