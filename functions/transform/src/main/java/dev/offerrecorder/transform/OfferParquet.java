package dev.offerrecorder.transform;

import com.jerolba.carpet.CarpetReader;
import com.jerolba.carpet.CloseableIterator;
import com.jerolba.carpet.FieldMatchingStrategy;
import com.jerolba.carpet.io.FileSystemInputFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Parquet for {@code offer_recordings}, driven by {@link OfferColumns#TABLE}: the schema maps each table column to
 * its Parquet type, so no Java record mirrors it. Writing goes to an OutputStream ({@link OfferParquetWriter},
 * straight into parquet's column writers) and reading from a local file through carpet's
 * {@link FileSystemInputFile}: neither touches Hadoop.
 */
public final class OfferParquet {
    private OfferParquet() {}

    /** ZSTD: smaller than Snappy at similar decode speed; Athena, BigQuery and DuckDB all read it. */
    public static final CompressionCodecName CODEC = CompressionCodecName.ZSTD;

    /** The file schema, from {@link OfferColumns#TABLE}: message {@code OfferRow}, one column per table column. */
    public static final MessageType SCHEMA = schema();

    private static MessageType schema() {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (OfferColumns.Column c : OfferColumns.TABLE) {
            Type.Repetition repetition = c.required() ? Type.Repetition.REQUIRED : Type.Repetition.OPTIONAL;
            message.addField(
                    switch (c.type()) {
                        case STRING ->
                            Types.primitive(PrimitiveTypeName.BINARY, repetition)
                                    .as(LogicalTypeAnnotation.stringType())
                                    .named(c.name());
                        case INT32 ->
                            Types.primitive(PrimitiveTypeName.INT32, repetition).named(c.name());
                        case INT64 ->
                            Types.primitive(PrimitiveTypeName.INT64, repetition).named(c.name());
                        case DOUBLE ->
                            Types.primitive(PrimitiveTypeName.DOUBLE, repetition)
                                    .named(c.name());
                        case BOOLEAN ->
                            Types.primitive(PrimitiveTypeName.BOOLEAN, repetition)
                                    .named(c.name());
                        case DATE ->
                            Types.primitive(PrimitiveTypeName.INT32, repetition)
                                    .as(LogicalTypeAnnotation.dateType())
                                    .named(c.name());
                        // Microseconds: what the worker's clock records.
                        case TIMESTAMP ->
                            Types.primitive(PrimitiveTypeName.INT64, repetition)
                                    .as(LogicalTypeAnnotation.timestampType(
                                            true, LogicalTypeAnnotation.TimeUnit.MICROS))
                                    .named(c.name());
                    });
        }
        return message.named("OfferRow");
    }

    /**
     * A writer of rows to {@code out}. Parquet buffers one row group in memory, so {@code rowGroupBytes} bounds
     * the memory a writer holds. Pages are compressed by a ZSTD context of the writer's own.
     */
    public static OfferParquetWriter newWriter(OutputStream out, long rowGroupBytes) throws IOException {
        return newWriter(out, rowGroupBytes, null);
    }

    /**
     * A writer compressing its pages through {@code codec}, which outlives the file (null: a context of the
     * writer's own, for this file).
     */
    public static OfferParquetWriter newWriter(OutputStream out, long rowGroupBytes, ZstdPageCodec codec)
            throws IOException {
        ParquetProperties.Builder props = ParquetProperties.builder();
        for (String column : UNIQUE_PER_ROW) {
            props.withDictionaryEncoding(column, false);
        }
        for (String column : NO_MIN_MAX) {
            props.withStatisticsEnabled(column, false);
        }
        return new OfferParquetWriter(out, props.build(), rowGroupBytes, codec);
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
