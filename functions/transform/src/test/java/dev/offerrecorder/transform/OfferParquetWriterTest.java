package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jerolba.carpet.CarpetWriter;
import com.jerolba.carpet.CloseableIterator;
import com.jerolba.carpet.TimeUnit;
import com.jerolba.carpet.io.FileSystemInputFile;
import com.jerolba.carpet.model.FieldTypes;
import com.jerolba.carpet.model.WriteRecordModelType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OfferParquetWriter} writes straight into parquet's column writers; carpet's record writer over parquet's
 * {@code ParquetWriter}, with the same properties, is the reference it replaced. Given the same rows and the same
 * page compressor, both must write the same bytes: schema, encodings, dictionaries, statistics, pages, row groups
 * and footer.
 */
class OfferParquetWriterTest {
    @TempDir
    Path dir;

    /** The reference: carpet's writer, as OfferParquet configured it before writing went direct. */
    private static CarpetWriter<OfferRow> carpet(OutputStream out, long rowGroupBytes, ZstdPageCodec codec)
            throws IOException {
        WriteRecordModelType<OfferRow> model = FieldTypes.writeRecordModel(OfferRow.class);
        for (int i = 0; i < OfferColumns.TABLE.size(); i++) {
            OfferColumns.Column c = OfferColumns.TABLE.get(i);
            int at = i;
            if (c.type() == OfferColumns.Type.STRING) {
                model = model.withField(
                        c.name(),
                        c.required() ? FieldTypes.BINARY.notNull().asString() : FieldTypes.BINARY.asString(),
                        row -> row.values()[at] == null
                                ? null
                                : Binary.fromConstantByteArray(
                                        ((String) row.values()[at]).getBytes(StandardCharsets.UTF_8)));
            } else {
                model = model.withField(c.name(), c.type().parquet(c.required()), row -> row.values()[at]);
            }
        }
        CarpetWriter.Builder<OfferRow> builder = new CarpetWriter.Builder<>(out, OfferRow.class)
                .withWriteRecordModel(model)
                .withDefaultTimeUnit(TimeUnit.MICROS)
                .withCompressionCodec(OfferParquet.CODEC)
                .withRowGroupSize(rowGroupBytes);
        if (codec != null) {
            builder = builder.withCodecFactory(codec);
        }
        for (String column : OfferParquet.UNIQUE_PER_ROW) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        for (String column : OfferParquet.NO_MIN_MAX) {
            builder = builder.withStatisticsEnabled(column, false);
        }
        return builder.build();
    }

    /** Rows of every kind: OK answers, 404s with null response columns, errors, odd text, many dates and times. */
    static List<OfferRow> rows(int n) {
        List<OfferRow> rows = new ArrayList<>();
        Instant t0 = Instant.parse("2024-01-02T00:00:00.123456Z");
        String source = "s3://raw/dt=2024-01-01/part.jsonl.gz";
        for (int i = 0; i < n; i++) {
            boolean ok = i % 13 != 0;
            Object[] v = new Object[OfferColumns.TABLE.size()];
            v[OfferColumns.index("shop_id")] = "shop-" + i;
            v[OfferColumns.index("target_date")] = LocalDate.of(2024, 1, 1).plusDays(i % 3);
            if (ok) {
                v[OfferColumns.index("offer_amount")] = (long) (i % 500) * 1000 - 7;
                v[OfferColumns.index("currency")] = i % 100 == 0 ? "円" : "JPY";
                v[OfferColumns.index("eligible")] = i % 10 != 0;
                v[OfferColumns.index("anomaly_score")] = i % 17 == 0 ? -0.0 : i / 7.0;
                v[OfferColumns.index("model_version")] = i % 2 == 0 ? "m-1" : "m-2 \"quoted\" é";
                v[OfferColumns.index("calculated_at")] =
                        t0.minusSeconds(86_400L * 365 * 60).plusNanos(i * 1000L);
            }
            v[OfferColumns.index("http_status")] = ok ? 200 : 404;
            v[OfferColumns.index("outcome")] = ok ? "OK" : "NOT_FOUND";
            v[OfferColumns.index("error")] = i % 29 == 0 ? "transform: body is not JSON: " + i : null;
            v[OfferColumns.index("latency_ms")] = 40L + i % 50;
            v[OfferColumns.index("attempts")] = 1 + i % 3;
            v[OfferColumns.index("run_id")] = "run-" + (i / 1000);
            v[OfferColumns.index("recorded_at")] = t0.plusMillis(i);
            v[OfferColumns.index("request_url")] = i % 31 == 0 ? null : "https://api/v1/shops/shop-" + i + "/offer";
            v[OfferColumns.index("response_json")] = "{\"shop_id\":\"shop-" + i + "\",\"n\":[" + i + "],\"t\":\"中\"}";
            v[OfferColumns.index("source_object")] = source;
            rows.add(new OfferRow(v));
        }
        return rows;
    }

    private byte[] direct(List<OfferRow> rows, long rowGroupBytes, ZstdPageCodec codec) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OfferParquetWriter w = OfferParquet.newWriter(out, rowGroupBytes, codec)) {
            for (OfferRow r : rows) {
                w.write(r);
            }
        }
        return out.toByteArray();
    }

    private byte[] reference(List<OfferRow> rows, long rowGroupBytes, ZstdPageCodec codec) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CarpetWriter<OfferRow> w = carpet(out, rowGroupBytes, codec)) {
            for (OfferRow r : rows) {
                w.write(r);
            }
        }
        return out.toByteArray();
    }

    @Test
    void writesTheBytesCarpetsWriterWrote() throws IOException {
        List<OfferRow> rows = rows(30_000);
        try (ZstdPageCodec codec = new ZstdPageCodec()) {
            for (long rowGroupBytes : List.of(ParquetPartitionWriter.ROW_GROUP_BYTES, 256L * 1024)) {
                byte[] expected = reference(rows, rowGroupBytes, codec);
                byte[] actual = direct(rows, rowGroupBytes, codec);
                assertArrayEquals(expected, actual, "row groups of " + rowGroupBytes + " bytes");
                assertEquals(rows, readBack(actual));
            }
            assertTrue(rowGroups(direct(rows, 256L * 1024, codec)).size() > 3, "the small row groups were cut");
            assertArrayEquals(reference(List.of(), 1 << 20, codec), direct(List.of(), 1 << 20, codec), "no rows");
        }
    }

    /** Without a shared codec (compaction) the writer compresses with its own context: same rows, same groups. */
    @Test
    void writesTheSameRowsWithItsOwnCodec() throws IOException {
        List<OfferRow> rows = rows(20_000);
        byte[] actual = direct(rows, 256L * 1024, null);
        assertEquals(rows, readBack(actual));
        assertEquals(
                rowGroups(reference(rows, 256L * 1024, null)).stream()
                        .map(BlockMetaData::getRowCount)
                        .toList(),
                rowGroups(actual).stream().map(BlockMetaData::getRowCount).toList());
    }

    @Test
    void aMissingRequiredValueFailsNamingTheColumn() throws IOException {
        OfferRow row = rows(1).getFirst();
        Object[] v = row.values().clone();
        v[OfferColumns.index("run_id")] = null;
        try (OfferParquetWriter w = OfferParquet.newWriter(new ByteArrayOutputStream(), 1 << 20)) {
            var e = assertThrows(IllegalArgumentException.class, () -> w.write(new OfferRow(v)));
            assertTrue(e.getMessage().contains("run_id"), e.getMessage());
        }
    }

    private List<OfferRow> readBack(byte[] parquet) throws IOException {
        Path file = Files.write(Files.createTempFile(dir, "rows", ".parquet"), parquet);
        List<OfferRow> read = new ArrayList<>();
        try (CloseableIterator<OfferRow> it = OfferParquet.read(file)) {
            it.forEachRemaining(read::add);
        }
        return read;
    }

    private List<BlockMetaData> rowGroups(byte[] parquet) throws IOException {
        Path file = Files.write(Files.createTempFile(dir, "groups", ".parquet"), parquet);
        try (ParquetFileReader r = ParquetFileReader.open(new FileSystemInputFile(file.toFile()))) {
            return r.getFooter().getBlocks();
        }
    }
}
