package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.offerrecorder.shared.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code DATA_DIR/stack.json}: how other processes reach the embedded stack that {@code ./recorder serve} runs.
 * The embedded AWS lives inside the serve JVM; this file carries its endpoints, the stack's queue URLs, bucket and
 * function names, and the serve process ID, so a stale file (serve killed) can be told apart from a live one.
 */
public final class LocalStackFile {
    public static final String NAME = "stack.json";

    /** The file's content. {@code apiCapacityPerSecond} is the simulator's W / L ceiling. */
    public record Content(
            int v, long pid, Instant startedAt, String apiUrl, double apiCapacityPerSecond, StackInfo stack) {}

    private LocalStackFile() {}

    public static Path path(Path dataDir) {
        return dataDir.resolve(NAME);
    }

    /** Written to a temporary file and moved, so a reader never sees half a file. */
    public static void write(Path dataDir, Content content) throws IOException {
        ObjectMapper mapper = Json.newMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(dataDir);
        Path tmp = Files.createTempFile(dataDir, "stack", ".json.tmp");
        Files.writeString(tmp, mapper.writeValueAsString(content));
        Files.move(tmp, path(dataDir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Optional<Content> read(Path dataDir) throws IOException {
        Path file = path(dataDir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(Json.newMapper().readValue(file.toFile(), Content.class));
    }

    /** The stack to operate, or {@link StackUnreachable} saying how to start one. */
    public static StackInfo resolve(Path dataDir) {
        Content content;
        try {
            content = read(dataDir)
                    .orElseThrow(() -> new StackUnreachable("no local stack: " + path(dataDir)
                            + " does not exist; start one with ./recorder serve --data-dir " + dataDir));
        } catch (IOException e) {
            throw new StackUnreachable("cannot read " + path(dataDir) + ": " + e.getMessage(), e);
        }
        if (content.pid() != ProcessHandle.current().pid()
                && ProcessHandle.of(content.pid()).map(p -> !p.isAlive()).orElse(true)) {
            throw new StackUnreachable("the local stack in " + dataDir + " is gone (serve process " + content.pid()
                    + " is not running; stale " + NAME + "); start it again with ./recorder serve --data-dir "
                    + dataDir);
        }
        return content.stack();
    }

    /** Removes the file if it still belongs to this process (a newer serve may have replaced it). */
    public static void removeIfOwned(Path dataDir) {
        try {
            Optional<Content> content = read(dataDir);
            if (content.isPresent()
                    && content.get().pid() == ProcessHandle.current().pid()) {
                Files.deleteIfExists(path(dataDir));
            }
        } catch (IOException e) {
            // Best effort at shutdown: a stale file is recognised by its dead PID.
        }
    }
}
