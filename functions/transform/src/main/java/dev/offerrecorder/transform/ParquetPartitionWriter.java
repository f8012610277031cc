package dev.offerrecorder.transform;

import com.jerolba.carpet.CarpetWriter;
import com.jerolba.carpet.ColumnNamingStrategy;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Streams rows into one Parquet file per date partition, on local disk, so memory stays bounded by the row
 * groups being built, whatever the input size. Call {@link #finish()} to close them and get the files.
 */
public final class ParquetPartitionWriter implements Closeable {
    /** Row groups of this many bytes (before compression) keep memory bounded and files scan well. */
    static final long ROW_GROUP_BYTES = 32L * 1024 * 1024;

    private final Path dir;
    private final Map<LocalDate, Open> open = new LinkedHashMap<>();

    private record Open(Path file, OutputStream stream, CarpetWriter<OfferRow> writer, long[] rows) {
    }

    public record Written(LocalDate date, Path file, long rows) {
    }

    public ParquetPartitionWriter(Path dir) {
        this.dir = dir;
    }

    public static CarpetWriter<OfferRow> newWriter(OutputStream out) throws IOException {
        return new CarpetWriter.Builder<>(out, OfferRow.class)
                .withColumnNamingStrategy(ColumnNamingStrategy.SNAKE_CASE)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withRowGroupSize(ROW_GROUP_BYTES)
                .build();
    }

    public void write(OfferRow row) {
        try {
            Open o = open.get(row.targetDate());
            if (o == null) {
                Path file = Files.createTempFile(dir, "part-" + row.targetDate() + "-", ".parquet");
                OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024);
                o = new Open(file, stream, newWriter(stream), new long[1]);
                open.put(row.targetDate(), o);
            }
            o.writer().write(row);
            o.rows()[0]++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public java.util.List<Written> finish() throws IOException {
        var out = new java.util.ArrayList<Written>();
        for (var e : open.entrySet()) {
            e.getValue().writer().close();
            e.getValue().stream().close();
            out.add(new Written(e.getKey(), e.getValue().file(), e.getValue().rows()[0]));
        }
        open.clear();
        return out;
    }

    @Override
    public void close() throws IOException {
        for (Open o : open.values()) {
            try {
                o.writer().close();
            } catch (IOException | RuntimeException ignored) {
                // Closing after a failure: the temp file is deleted below anyway.
            }
            o.stream().close();
            Files.deleteIfExists(o.file());
        }
        open.clear();
    }
}
