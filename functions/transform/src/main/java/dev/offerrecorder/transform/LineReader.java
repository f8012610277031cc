package dev.offerrecorder.transform;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into '\n'-terminated lines (a trailing '\r' is dropped) without trusting it: a line
 * longer than {@code maxLineBytes} is skipped to its end and reported as too long, keeping only a prefix, so
 * memory stays bounded whatever the input holds. When the stream fails, {@link #pending()} gives the bytes of
 * the unterminated line read so far. Lines are views into an internal buffer, valid until the next call.
 */
final class LineReader {
    /** Bytes of a too-long line kept for the quarantine record. */
    static final int TOO_LONG_PREFIX = 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private byte[] buf;
    private int start;
    private int end;
    private int scanned;
    private boolean eof;
    private byte[] skippedPrefix;
    private long skippedBytes;

    private byte[] line;
    private int lineOff;
    private int lineLen;
    private boolean tooLong;
    private long tooLongBytes;

    LineReader(InputStream in, int maxLineBytes) {
        if (maxLineBytes < TOO_LONG_PREFIX) {
            throw new IllegalArgumentException("maxLineBytes must be at least " + TOO_LONG_PREFIX);
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.buf = new byte[Math.min(64 * 1024, maxLineBytes)];
    }

    /** Moves to the next line; false at the end. An unterminated last line is still a line. */
    boolean next() throws IOException {
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buf[i] == '\n') {
                    emit(i, i + 1);
                    return true;
                }
            }
            scanned = end;
            if (eof) {
                if (start < end || skippedPrefix != null) {
                    emit(end, end);
                    return true;
                }
                return false;
            }
            if (end - start >= maxLineBytes) {
                skip();
            }
            if (start > 0 && end == buf.length) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                scanned -= start;
                start = 0;
            }
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, Math.min(buf.length * 2, maxLineBytes));
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
            } else {
                end += n;
            }
        }
    }

    /** Drops the buffered part of an over-long line, keeping its prefix once. */
    private void skip() {
        if (skippedPrefix == null) {
            skippedPrefix = Arrays.copyOfRange(buf, start, start + TOO_LONG_PREFIX);
        }
        skippedBytes += end - start;
        start = 0;
        end = 0;
        scanned = 0;
    }

    private void emit(int lineEnd, int next) {
        if (skippedPrefix != null) {
            tooLong = true;
            tooLongBytes = skippedBytes + (lineEnd - start);
            line = skippedPrefix;
            lineOff = 0;
            lineLen = skippedPrefix.length;
            skippedPrefix = null;
            skippedBytes = 0;
        } else {
            tooLong = false;
            int len = lineEnd - start;
            if (len > 0 && buf[lineEnd - 1] == '\r') {
                len--;
            }
            line = buf;
            lineOff = start;
            lineLen = len;
        }
        start = next;
        scanned = next;
    }

    byte[] buffer() {
        return line;
    }

    int offset() {
        return lineOff;
    }

    int length() {
        return lineLen;
    }

    /** The current line was longer than the limit: {@link #buffer()} holds only its first bytes. */
    boolean tooLong() {
        return tooLong;
    }

    /** Full length of the current too-long line. */
    long tooLongBytes() {
        return tooLongBytes;
    }

    /** Bytes of the unterminated line buffered when the stream failed (a prefix if it was too long). */
    byte[] pending() {
        if (skippedPrefix != null) {
            return skippedPrefix.clone();
        }
        return Arrays.copyOfRange(buf, start, end);
    }
}
