package dev.offerrecorder.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.offerrecorder.local.soak.SoakCommand;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A small soak through the JUnit runner, for an IDE. Tagged "soak", which the build's Surefire configuration
 * excludes: the soak is a separate command ({@code ./recorder soak}, {@link SoakCommand}), not part of the suite.
 */
@Tag("soak")
class SoakTest {
    @Test
    void twentyThousandJobsWithFaultsLoseNothing() {
        assertEquals(
                0,
                SoakCommand.run("--jobs", "20000", "--days", "2", "--max-duration", "5m"),
                "the soak must end with every job recorded once or parked in the DLQ (see its report above)");
    }
}
