package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    private static List<String> lines(LineReader r) throws IOException {
        List<String> out = new ArrayList<>();
        while (r.next()) {
            out.add((r.tooLong() ? "TOO LONG " + r.tooLongBytes() + ":" : "")
                    + new String(r.buffer(), r.offset(), r.length(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static LineReader reader(String s, int max) {
        return new LineReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void splitsOnNewlinesDropsCarriageReturnsAndKeepsAnUnterminatedLastLine() throws IOException {
        assertEquals(List.of("a", "", "b", "c"), lines(reader("a\n\nb\r\nc", 1024)));
        assertEquals(List.of("a"), lines(reader("a\n", 1024)));
        assertEquals(List.of(), lines(reader("", 1024)));
    }

    @Test
    void linesLongerThanTheBufferGrowIt() throws IOException {
        String big = "x".repeat(200_000);
        assertEquals(List.of("a", big, "b"), lines(reader("a\n" + big + "\nb\n", 1 << 20)));
    }

    @Test
    void aTooLongLineIsSkippedToItsEndKeepingItsPrefix() throws IOException {
        String big = "y".repeat(10_000);
        List<String> got = lines(reader("a\n" + big + "\nb\n" + big, 4096));
        assertEquals(4, got.size());
        assertEquals("a", got.get(0));
        assertEquals("TOO LONG 10000:" + "y".repeat(LineReader.TOO_LONG_PREFIX), got.get(1));
        assertEquals("b", got.get(2));
        assertEquals("TOO LONG 10000:" + "y".repeat(LineReader.TOO_LONG_PREFIX), got.get(3), "unterminated too");
    }

    @Test
    void pendingHoldsTheUnterminatedLineWhenTheStreamFails() throws IOException {
        InputStream failing = new SequenceInputStream(
                new ByteArrayInputStream("one\ntw".getBytes(StandardCharsets.UTF_8)), new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("boom");
                    }
                });
        LineReader r = new LineReader(failing, 1024);
        assertTrue(r.next());
        assertEquals("one", new String(r.buffer(), r.offset(), r.length(), StandardCharsets.UTF_8));
        assertThrows(IOException.class, r::next);
        assertArrayEquals("tw".getBytes(StandardCharsets.UTF_8), r.pending());
        assertFalse(r.tooLong());
    }
}
