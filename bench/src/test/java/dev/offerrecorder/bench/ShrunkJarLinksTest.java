package dev.offerrecorder.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ProGuard cut nothing a kept class needs: every class of the transform's deployment jar (ProGuard's output, see
 * functions/transform/proguard.pro) loads, passes the verifier and initialises as it does in the unshrunk shaded
 * jar it was made from ({@code transform-full.jar}). A class missing that a kept one references, a method removed
 * that a kept one calls from a static initialiser, or a broken stack map fails here, whether or not any handler
 * path reaches it (DeploymentJarsTest runs the paths). The few classes that fail in the unshrunk jar too (they need
 * Hadoop's or the SDK's CRT classes, never shipped) are the baseline. Runs from the repository root on the jars
 * {@code package} just built.
 */
class ShrunkJarLinksTest {
    @Test
    void everyClassOfTheTransformJarLinksAsInTheUnshrunkJar() throws Exception {
        Path target = Path.of("functions/transform/target").toAbsolutePath();
        Probe full = probe(target.resolve("transform-full.jar"));
        Probe shrunk = probe(target.resolve("transform.jar"));
        assertTrue(shrunk.ok() > 5_000, "too few classes linked, is this the transform jar? " + shrunk);
        assertTrue(shrunk.ok() < full.ok(), "nothing was shrunk: " + shrunk.ok() + " of " + full.ok());
        Map<String, String> broken = new TreeMap<>(shrunk.failures());
        broken.keySet().removeAll(full.failures().keySet());
        assertEquals(Map.of(), broken, "classes that link in transform-full.jar but not in transform.jar");
    }

    record Probe(int ok, Map<String, String> failures) {}

    private static Probe probe(Path jar) throws Exception {
        assertTrue(Files.isRegularFile(jar), jar + " missing: run package first");
        String classes = Path.of(JarLinkProbe.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        Path log = Files.createTempFile("link-probe", ".txt");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        jar + File.pathSeparator + classes,
                        JarLinkProbe.class.getName(),
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "link probe did not finish on " + jar);
        int ok = -1;
        Map<String, String> failures = new TreeMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith("FAIL ")) {
                String[] parts = line.substring(5).split(" ", 2);
                failures.put(parts[0], parts.length > 1 ? parts[1] : "");
            } else if (line.startsWith("OK ")) {
                ok = Integer.parseInt(line.substring(3).trim());
            }
        }
        Files.delete(log);
        assertTrue(ok >= 0, "link probe printed no count for " + jar);
        return new Probe(ok, failures);
    }
}
