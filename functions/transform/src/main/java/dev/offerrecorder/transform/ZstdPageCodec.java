package dev.offerrecorder.transform;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * ZSTD compression of Parquet pages through one native context, reused for every page of every file. Parquet's own
 * codec factory opens a new ZSTD stream (a native context, its tables set up afresh) for every page: a small file
 * has two pages per column, so for a raw object of 200 records that was about a third of the conversion's CPU. One
 * per container, like the converter; not thread-safe (one writer at a time). Pages are ordinary ZSTD frames at
 * parquet's default level, so every reader reads them as before.
 *
 * <p>Parquet calls {@link #release()} when each file is closed: that keeps the context; {@link #close()} frees it.
 */
public final class ZstdPageCodec implements CompressionCodecFactory, Closeable {
    /** parquet-mr's default ZSTD level ({@code parquet.compression.codec.zstd.level}). */
    public static final int LEVEL = 3;

    private final ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(LEVEL);
    /** The page's bytes, gathered from its parts; both buffers grow to the largest page and stay. */
    private final Buffer in = new Buffer();

    private byte[] out = new byte[64 * 1024];

    private final BytesInputCompressor compressor = new BytesInputCompressor() {
        /** Like parquet's own compressors, the result is valid until the next call: parquet copies it. */
        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            in.reset();
            bytes.writeAllTo(in);
            int bound = Math.toIntExact(Zstd.compressBound(in.size()));
            if (out.length < bound) {
                out = new byte[bound];
            }
            int n = ctx.compressByteArray(out, 0, bound, in.array(), 0, in.size());
            return BytesInput.from(out, 0, n);
        }

        @Override
        public CompressionCodecName getCodecName() {
            return CompressionCodecName.ZSTD;
        }

        @Override
        public void release() {
            // The context outlives each file: see ZstdPageCodec.close().
        }
    };

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        if (codec != CompressionCodecName.ZSTD) {
            throw new IllegalArgumentException("ZstdPageCodec compresses ZSTD only, not " + codec);
        }
        return compressor;
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("ZstdPageCodec only writes; files are read with parquet's codecs");
    }

    /** Called by parquet as each file closes: keeps the context for the next file. */
    @Override
    public void release() {}

    @Override
    public void close() {
        ctx.close();
    }

    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(64 * 1024);
        }

        byte[] array() {
            return buf;
        }
    }
}
