package dev.offerrecorder.transform;

import com.jerolba.carpet.CarpetReader;
import com.jerolba.carpet.CarpetWriter;
import com.jerolba.carpet.CloseableIterator;
import com.jerolba.carpet.FieldMatchingStrategy;
import com.jerolba.carpet.TimeUnit;
import com.jerolba.carpet.io.FileSystemInputFile;
import com.jerolba.carpet.model.FieldTypes;
import com.jerolba.carpet.model.WriteRecordModelType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;

/**
 * Parquet for {@code offer_recordings}, driven by {@link OfferColumns#TABLE}: carpet's write model maps each
 * table column to its Parquet type, so no Java record mirrors the schema. Writing goes to an OutputStream and
 * reading to a local file through carpet's {@link FileSystemInputFile}: neither touches Hadoop.
 */
public final class OfferParquet {
    private OfferParquet() {}

    /** ZSTD: smaller than Snappy at similar decode speed; Athena, BigQuery and DuckDB all read it. */
    public static final CompressionCodecName CODEC = CompressionCodecName.ZSTD;

    /** Built once: the write model is a description of the columns, shared by every writer. */
    private static final WriteRecordModelType<OfferRow> MODEL = model();

    private static WriteRecordModelType<OfferRow> model() {
        WriteRecordModelType<OfferRow> model = FieldTypes.writeRecordModel(OfferRow.class);
        for (int i = 0; i < OfferColumns.TABLE.size(); i++) {
            OfferColumns.Column c = OfferColumns.TABLE.get(i);
            int at = i;
            if (c.type() == OfferColumns.Type.STRING) {
                // Strings go in as array-backed UTF-8 Binary: carpet's own String path wraps them in a ByteBuffer,
                // whose per-byte hashing and comparing (dictionary, min/max) cost more than the encoding itself.
                model = model.withField(
                        c.name(),
                        c.required() ? FieldTypes.BINARY.notNull().asString() : FieldTypes.BINARY.asString(),
                        row -> utf8((String) row.values()[at]));
            } else {
                model = model.withField(c.name(), c.type().parquet(c.required()), row -> row.values()[at]);
            }
        }
        return model;
    }

    private static Binary utf8(String s) {
        return s == null ? null : Binary.fromConstantByteArray(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A writer of rows to {@code out}. Parquet buffers one row group in memory, so {@code rowGroupBytes} bounds
     * the memory a writer holds. Timestamps are written in microseconds (what the worker's clock records).
     */
    public static CarpetWriter<OfferRow> newWriter(OutputStream out, long rowGroupBytes) throws IOException {
        return newWriter(out, rowGroupBytes, null);
    }

    /**
     * A writer compressing its pages through {@code codec}, which outlives the file (null: parquet's own codecs,
     * set up for this file).
     */
    public static CarpetWriter<OfferRow> newWriter(OutputStream out, long rowGroupBytes, ZstdPageCodec codec)
            throws IOException {
        CarpetWriter.Builder<OfferRow> builder = new CarpetWriter.Builder<>(out, OfferRow.class)
                .withWriteRecordModel(MODEL)
                .withDefaultTimeUnit(TimeUnit.MICROS)
                .withCompressionCodec(CODEC)
                .withRowGroupSize(rowGroupBytes);
        if (codec != null) {
            builder = builder.withCodecFactory(codec);
        }
        for (String column : UNIQUE_PER_ROW) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        for (String column : NO_MIN_MAX) {
            builder = builder.withStatisticsEnabled(column, false);
        }
        return builder.build();
    }

    /**
     * Columns whose values are (nearly) all different: a dictionary never pays off, and building one until Parquet
     * gives up hashed and compared every value (a third of the transform's time in a profile). Written plain, then
     * ZSTD. The other columns repeat (outcome, run_id, source_object, currency...) and keep their dictionaries.
     */
    static final List<String> UNIQUE_PER_ROW = List.of("shop_id", "request_url", "response_json", "recorded_at");

    /** Min/max of whole URLs and JSON bodies prune nothing and cost a comparison of every value. */
    static final List<String> NO_MIN_MAX = List.of("request_url", "response_json");

    /**
     * Streams the rows of a local Parquet file written by {@link #newWriter}. Columns the file lacks (written
     * before a column was added) read as null; a column the table no longer declares fails the read, because
     * rewriting the file (compaction) would silently drop it.
     */
    public static CloseableIterator<OfferRow> read(Path file) {
        @SuppressWarnings({"unchecked", "rawtypes"})
        CloseableIterator<Map<String, Object>> maps =
                (CloseableIterator) new CarpetReader<>(new FileSystemInputFile(file.toFile()), Map.class).iterator();
        return new CloseableIterator<>() {
            @Override
            public boolean hasNext() {
                return maps.hasNext();
            }

            @Override
            public OfferRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Map<String, Object> m = maps.next();
                Object[] values = new Object[OfferColumns.TABLE.size()];
                int found = 0;
                for (int i = 0; i < values.length; i++) {
                    String name = OfferColumns.TABLE.get(i).name();
                    values[i] = m.get(name);
                    if (values[i] != null || m.containsKey(name)) {
                        found++;
                    }
                }
                if (found != m.size()) {
                    for (String name : m.keySet()) {
                        if (!OfferColumns.has(name)) {
                            throw new IllegalStateException(file.getFileName() + " has column '" + name
                                    + "', which offer_recordings does not declare: add it to OfferColumns first");
                        }
                    }
                }
                return new OfferRow(values);
            }

            @Override
            public void close() throws IOException {
                maps.close();
            }
        };
    }

    /** The columns compaction needs to pick one row per shop: read alone, so the first pass stays cheap. */
    public record DedupKey(String shopId, LocalDate targetDate, Instant recordedAt, String outcome, String runId) {}

    public static CloseableIterator<DedupKey> readKeys(Path file) {
        return new CarpetReader<>(new FileSystemInputFile(file.toFile()), DedupKey.class)
                .withFieldMatchingStrategy(FieldMatchingStrategy.SNAKE_CASE)
                .iterator();
    }
}
