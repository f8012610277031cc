package dev.offerrecorder.testkit.support;

import dev.offerrecorder.testkit.aws.StackLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of the repository (events/, template.yaml) from wherever the test runs. */
public final class RepoFiles {
    private RepoFiles() {}

    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve("template.yaml"))
                    || Files.isDirectory(dir.resolve("events")) && Files.exists(dir.resolve("recorder"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(
                "repository root not found above " + Path.of("").toAbsolutePath());
    }

    public static String event(String name) {
        try {
            return Files.readString(root().resolve("events").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A sample event with the stack's resource names: the samples name the default stack ({@code offer-recorder-*});
     * a stack on an external endpoint has a suffixed prefix.
     */
    public static String event(StackLayout layout, String name) {
        return event(name).replace("offer-recorder-", layout.prefix() + "-");
    }
}
