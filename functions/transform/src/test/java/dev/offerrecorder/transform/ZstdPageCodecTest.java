package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jerolba.carpet.CloseableIterator;
import dev.offerrecorder.shared.rawlog.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One ZSTD context reused across pages and files writes the same rows as parquet's per-file codecs. */
class ZstdPageCodecTest {
    @TempDir
    Path dir;

    @Test
    void filesWrittenThroughOneReusedContextReadBackAsParquetsOwn() throws IOException {
        // Two dates, and enough rows that the bodies column spans several 1 MB pages.
        List<RawRecord> records = new ArrayList<>();
        Instant at = Instant.parse("2024-01-02T00:00:00.123456Z");
        for (int i = 0; i < 6_000; i++) {
            LocalDate date = LocalDate.of(2024, 1, 1 + i % 2);
            records.add(RawObjects.ok("run-1", "shop-" + i, date, 1_000L + i * 37L, at.plusMillis(i)));
        }
        byte[] gz = RawObjects.gzipRecords(records);

        List<OfferRow> expected = rows(convert(gz, dir.resolve("own"), null));
        try (ZstdPageCodec codec = new ZstdPageCodec()) {
            for (int round = 0; round < 3; round++) {
                assertEquals(expected, rows(convert(gz, dir.resolve("reused-" + round), codec)), "round " + round);
            }
        }
        assertEquals(records.size(), expected.size());
    }

    @Test
    void refusesAnotherCodec() {
        try (ZstdPageCodec codec = new ZstdPageCodec()) {
            assertThrows(IllegalArgumentException.class, () -> codec.getCompressor(CompressionCodecName.SNAPPY));
        }
    }

    /** Converts into fresh files under {@code out}; returns their copies (the writer deletes its own). */
    private static List<Path> convert(byte[] gz, Path out, ZstdPageCodec codec) throws IOException {
        List<Path> kept = new ArrayList<>();
        Path keep = Files.createDirectories(out.resolve("kept"));
        try (var writer = codec == null ? new ParquetPartitionWriter(out) : new ParquetPartitionWriter(out, codec);
                var quarantine = new QuarantineFile(out, "src")) {
            new RawLogConverter().convert(new ByteArrayInputStream(gz), gz.length, "src", writer, quarantine);
            for (ParquetPartitionWriter.Written w : writer.finish()) {
                kept.add(Files.copy(w.file(), keep.resolve(w.file().getFileName())));
            }
        }
        assertTrue(kept.size() == 2, "one file per date");
        return kept;
    }

    private static List<OfferRow> rows(List<Path> files) throws IOException {
        List<OfferRow> rows = new ArrayList<>();
        for (Path f : files) {
            try (CloseableIterator<OfferRow> it = OfferParquet.read(f)) {
                it.forEachRemaining(rows::add);
            }
        }
        return rows;
    }
}
