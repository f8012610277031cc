package dev.offerrecorder.operator.ops;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.OptionalLong;
import org.apache.parquet.format.Util;

/**
 * A Parquet file's row count from its footer (Thrift FileMetaData), without Hadoop: the last 8 bytes are the
 * footer's length (little-endian) and {@code PAR1}; the footer sits just before them. Callers fetch the bytes
 * their own way (a local file, an S3 range).
 */
public final class ParquetFooter {
    /** The trailing bytes to read first. */
    public static final int TAIL = 8;

    private ParquetFooter() {}

    /** The footer's length from a file's last {@value #TAIL} bytes; empty when they are not a Parquet tail. */
    public static OptionalLong length(byte[] tail) {
        if (tail.length != TAIL || tail[4] != 'P' || tail[5] != 'A' || tail[6] != 'R' || tail[7] != '1') {
            return OptionalLong.empty();
        }
        return OptionalLong.of(
                (tail[0] & 0xffL) | (tail[1] & 0xffL) << 8 | (tail[2] & 0xffL) << 16 | (tail[3] & 0xffL) << 24);
    }

    /** The row count a footer records. */
    public static long rows(byte[] footer) throws IOException {
        return Util.readFileMetaData(new ByteArrayInputStream(footer)).getNum_rows();
    }
}
