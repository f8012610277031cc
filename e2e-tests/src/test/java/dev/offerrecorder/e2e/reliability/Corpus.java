package dev.offerrecorder.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The bad-input corpus in {@code src/test/resources/bad-inputs/}: one folder per entry point, one file per case,
 * and an {@code index.tsv} per folder naming each file with its kind and the text its error must contain
 * (several texts joined by {@code " && "}). A file without an index line, or an index line without a file, is an
 * error: no case is skipped silently.
 */
final class Corpus {
    static final String INDEX = "index.tsv";

    /** One malformed input and what the entry point must say about it. */
    record Case(String folder, String file, String kind, List<String> expected, Path path) {
        byte[] bytes() {
            try {
                return Files.readAllBytes(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        /** Fails unless {@code actual} holds every expected text. */
        void assertSays(String actual) {
            for (String e : expected) {
                assertTrue(
                        actual != null && actual.contains(e),
                        folder + "/" + file + ": expected the text <" + e + "> in: " + actual);
            }
        }

        @Override
        public String toString() {
            return folder + "/" + file;
        }
    }

    private Corpus() {}

    static Path root() {
        try {
            return Path.of(Corpus.class.getResource("/bad-inputs").toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("bad-inputs corpus not on the test classpath", e);
        }
    }

    /** The cases of one folder, in index order; checks the index and the folder agree. */
    static List<Case> folder(String name) throws IOException {
        Path dir = root().resolve(name);
        List<Case> cases = new ArrayList<>();
        Set<String> indexed = new TreeSet<>();
        for (String line : Files.readAllLines(dir.resolve(INDEX), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t", -1);
            assertEquals(3, cols.length, name + "/" + INDEX + ": need 'file<TAB>kind<TAB>expected': " + line);
            assertTrue(indexed.add(cols[0]), name + "/" + INDEX + " names " + cols[0] + " twice");
            assertTrue(!cols[2].isBlank(), name + "/" + INDEX + ": " + cols[0] + " has no expected text");
            cases.add(new Case(
                    name, cols[0], cols[1], Arrays.stream(cols[2].split(" && ")).toList(), dir.resolve(cols[0])));
        }
        Set<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(f -> !f.equals(INDEX))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(files, indexed, name + ": every file needs an index line and every index line a file");
        return cases;
    }
}
