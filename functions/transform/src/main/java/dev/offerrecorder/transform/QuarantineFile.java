package dev.offerrecorder.transform;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Quarantined lines as JSON Lines in a local file ({@code {"source","line","reason","raw"}} each), so a raw
 * object full of bad lines costs disk, not memory. {@link #close()} deletes the file: upload it before.
 */
public final class QuarantineFile implements Closeable {
    /** A bare factory (strings and numbers only, no ObjectMapper), thread-safe and shared by every file. */
    private static final JsonFactory JSON = new JsonFactory();

    private final Path dir;
    private final String source;
    // Opened on the first bad line: most raw objects have none, and then no file is made at all.
    private Path file;
    private OutputStream out;
    private JsonGenerator json;
    private long count;
    private boolean flushed;

    public QuarantineFile(Path dir, String source) {
        this.dir = dir;
        this.source = source;
    }

    /** Records one input line that did not become a row; {@code raw} may be null when nothing was readable. */
    public void add(long line, String reason, String raw) throws IOException {
        if (json == null) {
            open();
        }
        json.writeStartObject();
        json.writeStringField("source", source);
        json.writeNumberField("line", line);
        json.writeStringField("reason", reason);
        if (raw != null) {
            json.writeStringField("raw", raw);
        }
        json.writeEndObject();
        json.writeRaw('\n');
        count++;
    }

    private void open() throws IOException {
        Files.createDirectories(dir);
        file = Files.createTempFile(dir, "quarantine-", ".jsonl");
        out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        json = JSON.createGenerator(out);
        json.setRootValueSeparator(null);
    }

    public long count() {
        return count;
    }

    /** Flushes and returns the file, complete, for upload (an empty file when nothing was quarantined). */
    public Path file() throws IOException {
        if (json == null) {
            open();
        }
        if (!flushed) {
            json.close();
            out.close();
            flushed = true;
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        if (file == null) {
            return;
        }
        try {
            if (!flushed) {
                json.close();
                out.close();
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
