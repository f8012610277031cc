package dev.offerrecorder.transform;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Streams rows into Parquet files per date partition on local disk. Memory is bounded whatever the input:
 * each open file buffers at most one row group, and at most {@code maxOpen} files are open; a row for another
 * date closes the least recently used file, and a later row for that date starts the date's next segment.
 * {@link #close()} deletes every file this writer made, so upload them between {@link #finish()} and close.
 */
public final class ParquetPartitionWriter implements Closeable {
    /** Transform parts are small; 16 MB row groups cap each open file's buffer (compaction makes bigger ones). */
    public static final long ROW_GROUP_BYTES = 16L * 1024 * 1024;
    /** With 16 MB row groups: at most ~128 MB of buffered rows, however many dates one raw object holds. */
    public static final int MAX_OPEN_PARTITIONS = 8;

    private final Path dir;
    private final long rowGroupBytes;
    private final int maxOpen;
    /** Null: parquet's own codecs, per file. */
    private final ZstdPageCodec codec;
    /** Access order, so the first entry is the least recently written partition. */
    private final LinkedHashMap<LocalDate, Open> open = new LinkedHashMap<>(16, 0.75f, true);

    private final Map<LocalDate, Integer> segments = new HashMap<>();
    private final List<Written> closed = new ArrayList<>();
    /** Dates written since {@link #takeDates()}: which partitions one input object's rows went to. */
    private final Set<LocalDate> dates = new TreeSet<>();

    private LocalDate lastDate;
    private long rows;

    private record Open(
            LocalDate date, int segment, Path file, OutputStream stream, OfferParquetWriter writer, long[] rows) {}

    /** One finished file: segment 0 is a date's first file, 1 the next one if the date's file was evicted. */
    public record Written(LocalDate date, int segment, Path file, long rows) {}

    public ParquetPartitionWriter(Path dir) {
        this(dir, ROW_GROUP_BYTES, MAX_OPEN_PARTITIONS);
    }

    /** Compressing through the container's {@code codec} (not closed here), so no file sets up its own. */
    public ParquetPartitionWriter(Path dir, ZstdPageCodec codec) {
        this(dir, ROW_GROUP_BYTES, MAX_OPEN_PARTITIONS, codec);
    }

    public ParquetPartitionWriter(Path dir, long rowGroupBytes, int maxOpen) {
        this(dir, rowGroupBytes, maxOpen, null);
    }

    private ParquetPartitionWriter(Path dir, long rowGroupBytes, int maxOpen, ZstdPageCodec codec) {
        if (maxOpen < 1) {
            throw new IllegalArgumentException("maxOpen must be at least 1, got " + maxOpen);
        }
        this.dir = dir;
        this.rowGroupBytes = rowGroupBytes;
        this.maxOpen = maxOpen;
        this.codec = codec;
    }

    public void write(OfferRow row) {
        try {
            Open o = open.get(row.targetDate());
            if (o == null) {
                if (open.size() >= maxOpen) {
                    Open eldest = open.values().iterator().next();
                    open.remove(eldest.date());
                    closed.add(finish(eldest));
                }
                o = start(row.targetDate());
            }
            o.writer().write(row);
            o.rows()[0]++;
            rows++;
            if (!row.targetDate().equals(lastDate)) {
                lastDate = row.targetDate();
                dates.add(lastDate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing Parquet for " + row.targetDate() + " in " + dir, e);
        }
    }

    /** Rows written so far, into every file. */
    public long rows() {
        return rows;
    }

    /** The dates written since the last call, sorted; starts the next count. */
    public Set<LocalDate> takeDates() {
        Set<LocalDate> taken = new TreeSet<>(dates);
        dates.clear();
        lastDate = null;
        return taken;
    }

    private Open start(LocalDate date) throws IOException {
        int segment = segments.merge(date, 1, Integer::sum) - 1;
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "part-" + date + "-" + segment + "-", ".parquet");
        OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024);
        Open o;
        try {
            o = new Open(
                    date, segment, file, stream, OfferParquet.newWriter(stream, rowGroupBytes, codec), new long[1]);
        } catch (IOException | RuntimeException e) {
            stream.close();
            Files.deleteIfExists(file);
            throw e;
        }
        open.put(date, o);
        return o;
    }

    private static Written finish(Open o) throws IOException {
        o.writer().close();
        o.stream().close();
        return new Written(o.date(), o.segment(), o.file(), o.rows()[0]);
    }

    /** Closes the open files; returns every file written, by date then segment. */
    public List<Written> finish() throws IOException {
        for (Open o : List.copyOf(open.values())) {
            open.remove(o.date());
            closed.add(finish(o));
        }
        List<Written> all = new ArrayList<>(closed);
        all.sort(Comparator.comparing(Written::date).thenComparingInt(Written::segment));
        return all;
    }

    @Override
    public void close() throws IOException {
        for (Open o : open.values()) {
            try {
                o.writer().close();
            } catch (IOException | RuntimeException ignored) {
                // Closing after a failure: the file is deleted below anyway.
            }
            o.stream().close();
            Files.deleteIfExists(o.file());
        }
        open.clear();
        for (Written w : closed) {
            Files.deleteIfExists(w.file());
        }
        closed.clear();
    }
}
