package dev.offerrecorder.transform;

import com.jerolba.carpet.io.OutputStreamOutputFile;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link OfferRow}s to one Parquet file straight into parquet's column writers: one call per value, no
 * record model, no per-field lambdas or record consumer in between (those layers were a third of the writing time
 * in a profile). The file is what parquet's own {@code ParquetWriter} makes of the same rows and properties: same
 * schema ({@link OfferParquet#SCHEMA}), encodings, statistics, page and row-group sizes (row groups are cut by
 * the same buffered-size checks), and the same key-value metadata. Not thread-safe.
 */
public final class OfferParquetWriter implements Closeable {
    /** What parquet-mr's ParquetWriter pads row groups to at most (unused: a stream cannot align blocks). */
    private static final int MAX_PADDING_BYTES = 8 * 1024 * 1024;
    /** Carpet wrote this model name before; kept so files stay alike whichever writer made them. */
    private static final Map<String, String> METADATA = Map.of("writer.model.name", OfferRow.class.getName());

    private final ParquetProperties props;
    private final ParquetFileWriter file;
    private final Function<ColumnDescriptor, CompressionCodecFactory.BytesInputCompressor> compressors;
    /** A codec this writer made for itself (none given), closed with it. */
    private final ZstdPageCodec ownCodec;

    private final long rowGroupBytes;
    private final List<ColumnDescriptor> descriptors;
    private final OfferColumns.Type[] types;
    private final boolean[] required;
    private final int[] maxDefinition;
    private final ColumnWriter[] columns;
    /** Per column, the last String written and its bytes: repeated values (the source object) skip the encoding. */
    private final String[] lastString;

    private final Binary[] lastBinary;

    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private int rowGroupOrdinal;
    private long rowsInGroup;
    private long nextSizeCheck;
    private long nextRowGroupBytes;
    private boolean closed;

    OfferParquetWriter(OutputStream out, ParquetProperties props, long rowGroupBytes, ZstdPageCodec codec)
            throws IOException {
        this.props = props;
        this.rowGroupBytes = rowGroupBytes;
        this.nextRowGroupBytes = rowGroupBytes;
        this.ownCodec = codec == null ? new ZstdPageCodec() : null;
        ZstdPageCodec pageCodec = codec == null ? ownCodec : codec;
        MessageType schema = OfferParquet.SCHEMA;
        try {
            CompressionCodecFactory.BytesInputCompressor compressor = pageCodec.getCompressor(OfferParquet.CODEC);
            this.compressors = column -> compressor;
            this.file = new ParquetFileWriter(
                    new OutputStreamOutputFile(out),
                    schema,
                    ParquetFileWriter.Mode.CREATE,
                    rowGroupBytes,
                    MAX_PADDING_BYTES,
                    null,
                    props);
            file.start();
        } catch (IOException | RuntimeException e) {
            if (ownCodec != null) {
                ownCodec.close();
            }
            throw e;
        }
        List<OfferColumns.Column> table = OfferColumns.TABLE;
        int n = table.size();
        descriptors = schema.getColumns();
        types = new OfferColumns.Type[n];
        required = new boolean[n];
        maxDefinition = new int[n];
        columns = new ColumnWriter[n];
        lastString = new String[n];
        lastBinary = new Binary[n];
        for (int i = 0; i < n; i++) {
            types[i] = table.get(i).type();
            required[i] = table.get(i).required();
            maxDefinition[i] = descriptors.get(i).getMaxDefinitionLevel();
        }
        nextSizeCheck = props.getMinRowCountForPageSizeCheck();
        startRowGroup();
    }

    private void startRowGroup() {
        pages = ColumnChunkPageWriteStore.builder()
                .withCompressorProvider(compressors)
                .withSchema(OfferParquet.SCHEMA)
                .withAllocator(props.getAllocator())
                .withColumnIndexTruncateLength(props.getColumnIndexTruncateLength())
                .withPageWriteChecksumEnabled(props.getPageWriteChecksumEnabled())
                .withRowGroupOrdinal(rowGroupOrdinal)
                .build();
        store = props.newColumnWriteStore(OfferParquet.SCHEMA, pages, pages);
        for (int i = 0; i < columns.length; i++) {
            columns[i] = store.getColumnWriter(descriptors.get(i));
        }
    }

    public void write(OfferRow row) throws IOException {
        if (closed) {
            throw new IOException("the Parquet writer is closed");
        }
        Object[] values = row.values();
        for (int i = 0; i < columns.length; i++) {
            Object v = values[i];
            ColumnWriter c = columns[i];
            if (v == null) {
                if (required[i]) {
                    throw new IllegalArgumentException(
                            "column " + OfferColumns.TABLE.get(i).name() + " is required: " + row);
                }
                c.writeNull(0, 0);
                continue;
            }
            int d = maxDefinition[i];
            switch (types[i]) {
                case STRING -> c.write(binary(i, (String) v), 0, d);
                case INT32 -> c.write((int) (Integer) v, 0, d);
                case INT64 -> c.write((long) (Long) v, 0, d);
                case DOUBLE -> c.write((double) (Double) v, 0, d);
                case BOOLEAN -> c.write((boolean) (Boolean) v, 0, d);
                case DATE -> c.write(Math.toIntExact(((LocalDate) v).toEpochDay()), 0, d);
                case TIMESTAMP -> c.write(micros((Instant) v), 0, d);
            }
        }
        store.endRecord();
        rowsInGroup++;
        checkRowGroupSize();
    }

    private Binary binary(int column, String s) {
        if (s != lastString[column]) {
            lastString[column] = s;
            lastBinary[column] = Binary.fromConstantByteArray(s.getBytes(StandardCharsets.UTF_8));
        }
        return lastBinary[column];
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    /**
     * Cuts the row group as parquet's record writer does, to the row: checks the buffered size now and then, not
     * per row, and after a cut checks again after the minimum count (parquet halves the count of the new, empty
     * group there, which is 0).
     */
    private void checkRowGroupSize() throws IOException {
        if (rowsInGroup >= props.getRowGroupRowCountLimit()) {
            flushRowGroup();
            startRowGroup();
            nextSizeCheck = props.getMinRowCountForPageSizeCheck();
            return;
        }
        if (rowsInGroup < nextSizeCheck) {
            return;
        }
        long buffered = store.getBufferedSize();
        long rowBytes = buffered / rowsInGroup;
        if (buffered > nextRowGroupBytes - 2 * rowBytes) {
            flushRowGroup();
            startRowGroup();
            nextSizeCheck = props.getMinRowCountForPageSizeCheck();
        } else {
            nextSizeCheck = Math.min(
                    Math.max(
                            props.getMinRowCountForPageSizeCheck(),
                            (rowsInGroup + (long) (nextRowGroupBytes / (float) rowBytes)) / 2),
                    rowsInGroup + props.getMaxRowCountForPageSizeCheck());
        }
    }

    private void flushRowGroup() throws IOException {
        if (rowsInGroup > 0) {
            rowGroupOrdinal++;
            file.startBlock(rowsInGroup);
            store.flush();
            pages.flushToFileWriter(file);
            rowsInGroup = 0;
            file.endBlock();
            nextRowGroupBytes = Math.min(file.getNextRowGroupSize(), rowGroupBytes);
        }
        store.close();
        pages.close();
    }

    /** Writes the last row group and the footer. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flushRowGroup();
            file.end(METADATA);
        } finally {
            if (ownCodec != null) {
                ownCodec.close();
            }
        }
    }
}
