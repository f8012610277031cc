package dev.offerrecorder.shared.rawlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Raw logs are gzip JSON Lines, one {@link RawRecord} per line, versioned by the record's {@code v} field. */
public final class RawLogCodec {
    private final ObjectMapper mapper = Json.newMapper();

    public byte[] encode(List<RawRecord> records) {
        var bytes = new ByteArrayOutputStream(Math.max(1024, records.size() * 256));
        try (OutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024)) {
            for (RawRecord record : records) {
                gzip.write(mapper.writeValueAsBytes(record));
                gzip.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public String line(RawRecord record) {
        try {
            return mapper.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
