package dev.offerrecorder.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./recorder bench --only jars} on the jars this build just packaged (the tests run from the repository
 * root, see the bench POM): a report row per function with the jar's real size.
 */
class JarSizeBenchTest {
    @Test
    void reportsEveryDeploymentJarWithItsSize(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("benchmarks.md");
        assertEquals(0, new CommandLine(new BenchMain()).execute("--only", "jars", "--out", report.toString()));
        String md = Files.readString(report);
        for (String f : new String[] {"fanout", "worker", "transform", "replay"}) {
            Matcher row = Pattern.compile("\\| " + f + " \\| `[^`]+` \\| ([0-9.]+) \\|")
                    .matcher(md);
            assertTrue(row.find(), f + " missing from:\n" + md);
            double mib = Double.parseDouble(row.group(1));
            double actual = Files.size(Path.of("functions", f, "target", f + ".jar")) / 1048576.0;
            assertEquals(actual, mib, 0.05, f);
        }
    }
}
