package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jerolba.carpet.CloseableIterator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conversion on local files only: counts, partitions, segments and the Hadoop-free read-back. */
class RawLogConverterTest {
    @TempDir
    Path dir;

    static byte[] gzip(String text) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    static String lineFor(String shop, String date) {
        return RawLineParserTest.line("OK", RawLineParserTest.BODY)
                        .replace("\"42\"", "\"" + shop + "\"")
                        .replace("2024-01-01\",\"requestUrl", date + "\",\"requestUrl")
                + "\n";
    }

    private static List<OfferRow> readBack(Path file) throws IOException {
        List<OfferRow> rows = new ArrayList<>();
        try (CloseableIterator<OfferRow> it = OfferParquet.read(file)) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    @Test
    void evictedPartitionsContinueInANewSegmentAndEveryRowReadsBack() throws IOException {
        StringBuilder in = new StringBuilder();
        String[] dates = {"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01", "2024-01-02"};
        for (int i = 0; i < dates.length; i++) {
            in.append(lineFor("s" + i, dates[i]));
        }
        try (var writer = new ParquetPartitionWriter(dir, ParquetPartitionWriter.ROW_GROUP_BYTES, 2);
                var quarantine = new QuarantineFile(dir, "src")) {
            byte[] gz = gzip(in.toString());
            var counts =
                    new RawLogConverter().convert(new ByteArrayInputStream(gz), gz.length, "src", writer, quarantine);
            assertEquals(new RawLogConverter.Counts(5, 5, 0, 0, false), counts);
            var written = writer.finish();
            // At most two files open: 01-03 evicts 01-01, 01-01 evicts 01-02, 01-02 evicts 01-03.
            assertEquals(
                    List.of("2024-01-01/0:1", "2024-01-01/1:1", "2024-01-02/0:1", "2024-01-02/1:1", "2024-01-03/0:1"),
                    written.stream()
                            .map(w -> w.date() + "/" + w.segment() + ":" + w.rows())
                            .toList());
            for (var w : written) {
                List<OfferRow> rows = readBack(w.file());
                assertEquals(w.rows(), rows.size());
                rows.forEach(r -> assertEquals(w.date(), r.targetDate()));
            }
            assertEquals(
                    LocalDate.of(2024, 1, 1),
                    readBack(written.getFirst().file()).getFirst().targetDate());
            assertEquals(12000L, readBack(written.getFirst().file()).getFirst().get("offer_amount"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "close() removes every local file");
        }
    }

    @Test
    void aTransferCutShortIsRethrownNotQuarantined() throws IOException {
        byte[] gz = gzip(lineFor("1", "2024-01-01").repeat(50));
        byte[] half = Arrays.copyOf(gz, gz.length / 2);
        try (var writer = new ParquetPartitionWriter(dir);
                var quarantine = new QuarantineFile(dir, "src")) {
            // The object is gz.length bytes but the stream ends early: a transfer problem, so retry.
            IOException e = assertThrows(IOException.class, () -> new RawLogConverter()
                    .convert(new ByteArrayInputStream(half), gz.length, "src", writer, quarantine));
            assertTrue(e.getMessage().contains("transfer error"), e.getMessage());
            assertEquals(0, quarantine.count());
        }
        try (var writer = new ParquetPartitionWriter(dir);
                var quarantine = new QuarantineFile(dir, "src")) {
            InputStream failing = new InputStream() {
                int left = half.length;

                @Override
                public int read() throws IOException {
                    if (left-- > 0) {
                        return half[half.length - left - 1] & 0xff;
                    }
                    throw new IOException("connection reset");
                }
            };
            assertThrows(IOException.class, () -> new RawLogConverter()
                    .convert(failing, gz.length, "src", writer, quarantine));
        }
    }

    @Test
    void aTruncatedObjectKeepsItsLinesAndCountsTheTailAsOneQuarantinedLine() throws IOException {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            in.append(lineFor("shop" + i * 7919, "2024-01-01"));
        }
        byte[] gz = gzip(in.toString());
        byte[] cut = Arrays.copyOf(gz, gz.length - 30);
        try (var writer = new ParquetPartitionWriter(dir);
                var quarantine = new QuarantineFile(dir, "src")) {
            var counts =
                    new RawLogConverter().convert(new ByteArrayInputStream(cut), cut.length, "src", writer, quarantine);
            assertTrue(counts.truncated());
            assertTrue(counts.rowsOut() > 0 && counts.rowsOut() < 200, counts.toString());
            assertEquals(1, counts.quarantined());
            assertEquals(counts.linesIn(), counts.rowsOut() + counts.quarantined());
            String q = Files.readString(quarantine.file());
            assertTrue(q.contains("\"line\":" + counts.linesIn()), q);
            assertTrue(q.contains("gzip stream broken after line " + counts.rowsOut()), q);
        }
    }

    @Test
    void notGzipAtAllIsOneQuarantinedLine() throws IOException {
        byte[] plain = lineFor("1", "2024-01-01").getBytes(StandardCharsets.UTF_8);
        try (var writer = new ParquetPartitionWriter(dir);
                var quarantine = new QuarantineFile(dir, "src")) {
            var counts = new RawLogConverter()
                    .convert(new ByteArrayInputStream(plain), plain.length, "src", writer, quarantine);
            assertEquals(new RawLogConverter.Counts(1, 0, 1, 0, true), counts);
            assertFalse(Files.readString(quarantine.file()).contains("\"raw\""), "nothing readable to keep");
        }
    }
}
