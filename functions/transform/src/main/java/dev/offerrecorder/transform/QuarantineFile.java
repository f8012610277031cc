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
    private final String source;
    private final Path file;
    private final OutputStream out;
    private final JsonGenerator json;
    private long count;
    private boolean flushed;

    public QuarantineFile(Path dir, String source) throws IOException {
        this.source = source;
        Files.createDirectories(dir);
        this.file = Files.createTempFile(dir, "quarantine-", ".jsonl");
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        // A bare factory: strings and numbers only, so no ObjectMapper (and its set-up) per raw object.
        this.json = new JsonFactory().createGenerator(out);
        json.setRootValueSeparator(null);
    }

    /** Records one input line that did not become a row; {@code raw} may be null when nothing was readable. */
    public void add(long line, String reason, String raw) throws IOException {
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

    public long count() {
        return count;
    }

    /** Flushes and returns the file, complete, for upload. */
    public Path file() throws IOException {
        if (!flushed) {
            json.close();
            out.close();
            flushed = true;
        }
        return file;
    }

    @Override
    public void close() throws IOException {
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
