package dev.offerrecorder.transform;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes rows into local Parquet files {@code NAME-0.parquet}, {@code NAME-1.parquet}, ... of about
 * {@code targetBytes} each. Parquet only writes to the file when a row group is full, so the writer watches the
 * bytes written and starts the next file when one more row group would overshoot the target by more than half
 * a row group: files land within half a row group of the target (the last one is whatever is left).
 * {@link #close()} deletes the files: upload them between {@link #finish()} and close.
 */
final class SizedParquetWriter implements Closeable {
    /** Big enough for efficient scans (Athena, BigQuery, DuckDB split work by row group), small enough to buffer. */
    static final long MAX_ROW_GROUP_BYTES = 64L * 1024 * 1024;

    static final long MIN_ROW_GROUP_BYTES = 64L * 1024;
    private static final int PARQUET_MAGIC_BYTES = 4;

    private final Path dir;
    private final String name;
    private final long targetBytes;
    private final long rowGroupBytes;
    private final List<Path> files = new ArrayList<>();
    private final List<Long> rows = new ArrayList<>();
    private CountingOutputStream counter;
    private OfferParquetWriter writer;
    private long flushedAtLastCheck;

    SizedParquetWriter(Path dir, String name, long targetBytes) {
        if (targetBytes < 2 * MIN_ROW_GROUP_BYTES) {
            throw new IllegalArgumentException(
                    "target file size must be at least " + 2 * MIN_ROW_GROUP_BYTES + " bytes, got " + targetBytes);
        }
        this.dir = dir;
        this.name = name;
        this.targetBytes = targetBytes;
        this.rowGroupBytes = Math.max(MIN_ROW_GROUP_BYTES, Math.min(MAX_ROW_GROUP_BYTES, targetBytes / 2));
    }

    void write(OfferRow row) throws IOException {
        if (writer == null) {
            Path file = dir.resolve(name + "-" + files.size() + ".parquet");
            counter = new CountingOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024));
            files.add(file);
            rows.add(0L);
            writer = OfferParquet.newWriter(counter, rowGroupBytes);
            flushedAtLastCheck = 0;
        }
        writer.write(row);
        rows.set(rows.size() - 1, rows.getLast() + 1);
        long flushed = counter.count;
        // The 4-byte magic is written up front; anything more means a row group reached the file.
        if (flushed != flushedAtLastCheck && flushed > PARQUET_MAGIC_BYTES) {
            flushedAtLastCheck = flushed;
            if (flushed + rowGroupBytes / 2 >= targetBytes) {
                closeCurrent();
            }
        }
    }

    private void closeCurrent() throws IOException {
        writer.close();
        counter.close();
        writer = null;
        counter = null;
    }

    /** The finished files with their row counts. */
    record Output(Path file, long rows) {}

    List<Output> finish() throws IOException {
        if (writer != null) {
            closeCurrent();
        }
        List<Output> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            out.add(new Output(files.get(i), rows.get(i)));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException | RuntimeException ignored) {
                // Closing after a failure: the files are deleted below anyway.
            }
            counter.close();
            writer = null;
        }
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
