package dev.offerrecorder.transform;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The transform without S3: a gzip raw log in, rows to a {@link ParquetPartitionWriter} and bad lines to a
 * {@link QuarantineFile}. Every input line ends up in exactly one of them, so {@code linesIn == rowsOut +
 * quarantined} always holds.
 *
 * <p>A gzip stream that breaks (a truncated object, corrupt data, not gzip at all) ends the input: the lines
 * read before it stand, and the broken tail counts as <b>one more input line</b>, quarantined with the reason
 * and whatever bytes of the unterminated line it held. Its real content is unreadable, so it cannot be counted
 * in lines; counting it as one keeps the invariant and makes the loss visible ({@code truncated}). The tail is
 * only blamed on the object when all of its bytes arrived; a transfer cut short is an I/O error to retry.
 */
public final class RawLogConverter {
    /** A longer line is quarantined (first bytes kept) rather than buffered: API bodies are a few KB. */
    public static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

    private final RawLineParser parser = new RawLineParser();

    /**
     * What one conversion saw. {@code reclassified} counts rows (part of rowsOut) whose OK answer did not fit the
     * table and was recorded as GARBAGE.
     */
    public record Counts(long linesIn, long rowsOut, long quarantined, long reclassified, boolean truncated) {}

    /**
     * Converts one object. {@code compressedLength} is the object's size when known (else -1): it tells a broken
     * object (all bytes read, gzip still broken: quarantined) from a broken transfer (rethrown, so retried).
     */
    public Counts convert(
            InputStream compressed,
            long compressedLength,
            String source,
            ParquetPartitionWriter out,
            QuarantineFile quarantine)
            throws IOException {
        CountingInputStream counted = new CountingInputStream(compressed);
        long lines = 0;
        long rows = 0;
        long reclassified = 0;
        boolean truncated = false;
        LineReader reader = null;
        try {
            reader = new LineReader(new GZIPInputStream(counted, 64 * 1024), MAX_LINE_BYTES);
            while (reader.next()) {
                lines++;
                if (reader.tooLong()) {
                    quarantine.add(
                            lines,
                            "line longer than " + MAX_LINE_BYTES + " bytes (" + reader.tooLongBytes()
                                    + "); only its first " + reader.length() + " bytes are kept",
                            text(reader));
                    continue;
                }
                if (isBlank(reader.buffer(), reader.offset(), reader.length())) {
                    quarantine.add(lines, "blank line", text(reader));
                    continue;
                }
                switch (parser.parse(reader.buffer(), reader.offset(), reader.length(), source)) {
                    case RawLineParser.Row r -> {
                        out.write(r.row());
                        rows++;
                        reclassified += r.reclassified() == null ? 0 : 1;
                    }
                    case RawLineParser.Bad b -> quarantine.add(lines, b.reason(), text(reader));
                }
            }
        } catch (EOFException | ZipException e) {
            long received = counted.count() + drain(counted, e);
            if (compressedLength >= 0 && received != compressedLength) {
                throw new SourceReadException(
                        "read " + received + " of " + compressedLength + " bytes of " + source
                                + " before the gzip stream broke: treating it as a transfer error",
                        e);
            }
            lines++;
            truncated = true;
            byte[] pending = reader == null ? new byte[0] : reader.pending();
            quarantine.add(
                    lines,
                    "gzip stream broken after line " + (lines - 1) + " (" + e.getMessage()
                            + "): the rest of the object is unreadable",
                    pending.length == 0 ? null : new String(pending, StandardCharsets.UTF_8));
        }
        return new Counts(lines, rows, quarantine.count(), reclassified, truncated);
    }

    /** Reads the object to its end, to learn whether every byte arrived. */
    private static long drain(InputStream in, IOException cause) throws IOException {
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try {
            for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                n += r;
            }
        } catch (IOException transfer) {
            transfer.addSuppressed(cause);
            throw transfer;
        }
        return n;
    }

    private static String text(LineReader reader) {
        return new String(reader.buffer(), reader.offset(), reader.length(), StandardCharsets.UTF_8);
    }

    private static boolean isBlank(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }

        long count() {
            return count;
        }
    }
}
