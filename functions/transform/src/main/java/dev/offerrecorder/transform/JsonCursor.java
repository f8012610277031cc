package dev.offerrecorder.transform;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A reader of one JSON object held as UTF-8 bytes, for the transform's hot path: no parser object per line, no
 * String for a value nobody needs, numbers read straight from the digits. It accepts a strict <b>subset</b> of what
 * Jackson (with the project's defaults) accepts, and reads every value it accepts as Jackson would. Whatever falls
 * outside that subset, valid or not, makes it give up with {@link Unsure}: invalid JSON, invalid or non-shortest
 * UTF-8, an escaped surrogate, an escaped field name, nesting deeper than {@value #MAX_DEPTH}, a number longer than
 * {@value #MAX_NUMBER_CHARS} characters. The caller then reads the same bytes with Jackson, which decides and words
 * the error as before; so giving up costs time on odd input, never a different result.
 *
 * <p>Like the Jackson-based reading it stands in for, it stops at the object's closing brace: bytes after it are not
 * read. Not thread-safe; one per parser.
 */
final class JsonCursor {
    /** Out of this reader's depth: let Jackson read it. Carries no stack trace, it is a routine answer. */
    static final class Unsure extends Exception {
        static final Unsure INSTANCE = new Unsure();

        private Unsure() {
            super("unsure", null, false, false);
        }
    }

    static final int MAX_DEPTH = 64;
    static final int MAX_NUMBER_CHARS = 100;
    private static final int MAX_NAME_BYTES = 1000;
    /** Significant digits and power of ten up to which a decimal converts to double by one exact operation. */
    private static final int EXACT_DIGITS = 15;

    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22
    };

    /** Bytes that end a run of plain string bytes: '"', '\\', control characters and every non-ASCII byte. */
    private static final boolean[] STRING_SPECIAL = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            STRING_SPECIAL[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
        }
    }

    private byte[] b;
    private int pos;
    private int end;
    private boolean first;
    private int fieldPosition;
    private Names expected;
    /** The id of the current field when its name was predicted, else -2. */
    private int predicted = -2;

    private int strStart;
    private int strEnd;
    private boolean strEscaped;
    private boolean strAscii;

    private int numStart;
    private int numEnd;
    private boolean numInt;

    private byte[] scratch = new byte[256];
    private byte[] copy = new byte[4096];

    /**
     * Field names to look up without decoding them. Lines of one raw log repeat their fields in one order, so the
     * name met at a position is first checked against the one met there last time; then by byte length.
     */
    static final class Names {
        private final byte[][][] byLength;
        private final int[][] ids;
        private final byte[][] names;
        /** Per field position in an object: the id found there last time, or -1. */
        private final int[] lastAt = new int[64];

        Names(Map<String, Integer> names) {
            int max = names.keySet().stream().mapToInt(String::length).max().orElse(0);
            byLength = new byte[max + 1][][];
            ids = new int[max + 1][];
            for (int len = 0; len <= max; len++) {
                int at = len;
                var sameLength = names.entrySet().stream()
                        .filter(e -> e.getKey().getBytes(StandardCharsets.UTF_8).length == at)
                        .toList();
                byLength[len] = sameLength.stream()
                        .map(e -> e.getKey().getBytes(StandardCharsets.UTF_8))
                        .toArray(byte[][]::new);
                ids[len] = sameLength.stream().mapToInt(Map.Entry::getValue).toArray();
            }
            int maxId =
                    names.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            this.names = new byte[maxId + 1][];
            names.forEach((name, id) -> this.names[id] = name.getBytes(StandardCharsets.UTF_8));
            Arrays.fill(lastAt, -1);
        }

        /** The id of the name {@code b[from, to)}, the {@code position}-th field of its object; -1 if unknown. */
        int guess(int position) {
            return position < lastAt.length ? lastAt[position] : -1;
        }

        int find(byte[] b, int from, int to, int position) {
            int guess = position < lastAt.length ? lastAt[position] : -1;
            if (guess >= 0 && same(b, from, to, names[guess])) {
                return guess;
            }
            int id = lookUp(b, from, to);
            if (position < lastAt.length) {
                lastAt[position] = id;
            }
            return id;
        }

        private int lookUp(byte[] b, int from, int to) {
            int len = to - from;
            if (len >= byLength.length) {
                return -1;
            }
            byte[][] candidates = byLength[len];
            for (int i = 0; i < candidates.length; i++) {
                if (same(b, from, to, candidates[i])) {
                    return ids[len][i];
                }
            }
            return -1;
        }

        /** Names are short: a plain loop beats {@code Arrays.equals}' range checks and intrinsic call. */
        private static boolean same(byte[] b, int from, int to, byte[] name) {
            if (to - from != name.length) {
                return false;
            }
            for (int k = 0; k < name.length; k++) {
                if (b[from + k] != name[k]) {
                    return false;
                }
            }
            return true;
        }
    }

    void reset(byte[] buf, int off, int len) {
        b = buf;
        pos = off;
        end = off + len;
    }

    /** Enters the object that must come next. */
    void openObject() throws Unsure {
        if (skipWhitespace() != '{') {
            throw Unsure.INSTANCE;
        }
        pos++;
        first = true;
        fieldPosition = -1;
    }

    /**
     * Moves to the next field of the object entered by {@link #openObject}: true with the name read (look it up
     * with {@link #field}, then read or skip its value), false at the object's end.
     */
    boolean nextField() throws Unsure {
        int c = skipWhitespace();
        if (c == '}') {
            pos++;
            return false;
        }
        if (!first) {
            if (c != ',') {
                throw Unsure.INSTANCE;
            }
            pos++;
            c = skipWhitespace();
        }
        first = false;
        fieldPosition++;
        if (c != '"') {
            throw Unsure.INSTANCE;
        }
        pos++;
        if (!predictedName()) {
            scanString();
            if (strEscaped || strEnd - strStart > MAX_NAME_BYTES) {
                throw Unsure.INSTANCE;
            }
            predicted = -2;
        }
        if (skipWhitespace() != ':') {
            throw Unsure.INSTANCE;
        }
        pos++;
        return true;
    }

    /**
     * Whether the name at {@code pos} is the one met at this position last time ({@link #expect}): a known name
     * is plain ASCII, so matching its bytes and the closing quote reads the whole string, no scan needed.
     */
    private boolean predictedName() {
        if (expected == null) {
            return false;
        }
        int guess = expected.guess(fieldPosition);
        if (guess < 0) {
            return false;
        }
        byte[] name = expected.names[guess];
        int close = pos + name.length;
        if (close >= end || b[close] != '"' || !Names.same(b, pos, close, name)) {
            return false;
        }
        strStart = pos;
        strEnd = close;
        strEscaped = false;
        strAscii = true;
        pos = close + 1;
        predicted = guess;
        return true;
    }

    /** The names the next object's fields are looked up in (null: none), so known names can be predicted. */
    void expect(Names names) {
        expected = names;
    }

    /** The current field's id in {@code names}, or -1. */
    int field(Names names) {
        if (predicted >= 0 && names == expected) {
            return predicted;
        }
        return names.find(b, strStart, strEnd, fieldPosition);
    }

    /** The first byte of the next value (after whitespace), or -1 at the end of the input. */
    int peek() {
        return skipWhitespace();
    }

    void readNull() throws Unsure {
        literal("null");
    }

    boolean readBoolean() throws Unsure {
        int c = skipWhitespace();
        if (c == 't') {
            literal("true");
            return true;
        }
        if (c == 'f') {
            literal("false");
            return false;
        }
        throw Unsure.INSTANCE;
    }

    /** Reads a string value; then {@link #string()} gives it. */
    void readString() throws Unsure {
        if (skipWhitespace() != '"') {
            throw Unsure.INSTANCE;
        }
        pos++;
        scanString();
    }

    /** The string just read, as Jackson's {@code getText()} gives it. */
    String string() {
        if (!strEscaped) {
            return new String(
                    b, strStart, strEnd - strStart, strAscii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        if (scratch.length < strEnd - strStart) {
            scratch = new byte[Math.max(strEnd - strStart, 2 * scratch.length)];
        }
        int n = unescape(scratch);
        return new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    /** True when the string just read is plain ASCII without escapes: its bytes in {@link #buffer()} are its text. */
    boolean plainAscii() {
        return !strEscaped && strAscii;
    }

    byte[] buffer() {
        return b;
    }

    int stringStart() {
        return strStart;
    }

    int stringEnd() {
        return strEnd;
    }

    /** Reads a whole number that fits a long (as Jackson's INT or LONG number types). */
    long readLong() throws Unsure {
        readNumber();
        if (!numInt) {
            throw Unsure.INSTANCE;
        }
        return wholeNumber();
    }

    /** Reads any number as a double, as Jackson's {@code getDoubleValue()}. */
    double readDouble() throws Unsure {
        readNumber();
        if (numInt) {
            return wholeNumber();
        }
        boolean negative = b[numStart] == '-';
        int i = negative ? numStart + 1 : numStart;
        long mantissa = 0;
        int digits = 0;
        int scale = 0;
        boolean fraction = false;
        for (; i < numEnd; i++) {
            int c = b[i];
            if (c == '.') {
                fraction = true;
            } else if (c == 'e' || c == 'E') {
                break;
            } else {
                if (++digits > EXACT_DIGITS) {
                    return slowDouble();
                }
                mantissa = mantissa * 10 + (c - '0');
                if (fraction) {
                    scale--;
                }
            }
        }
        if (i < numEnd) {
            i++;
            boolean negativeExponent = b[i] == '-';
            if (b[i] == '-' || b[i] == '+') {
                i++;
            }
            if (numEnd - i > 3) {
                return slowDouble();
            }
            int exponent = 0;
            for (; i < numEnd; i++) {
                exponent = exponent * 10 + (b[i] - '0');
            }
            scale += negativeExponent ? -exponent : exponent;
        }
        if (scale < -22 || scale > 22) {
            return slowDouble();
        }
        // Both operands are exact doubles, so one IEEE operation rounds correctly, like Double.parseDouble.
        double v = scale < 0 ? mantissa / POWERS_OF_TEN[-scale] : mantissa * POWERS_OF_TEN[scale];
        return negative ? -v : v;
    }

    private double slowDouble() {
        return Double.parseDouble(new String(b, numStart, numEnd - numStart, StandardCharsets.ISO_8859_1));
    }

    private long wholeNumber() throws Unsure {
        boolean negative = b[numStart] == '-';
        int i = negative ? numStart + 1 : numStart;
        if (numEnd - i > 18) {
            throw Unsure.INSTANCE;
        }
        long v = 0;
        for (; i < numEnd; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return negative ? -v : v;
    }

    /** Skips the next value, whatever it is, checking it is well-formed. */
    void skipValue() throws Unsure {
        skipValue(1);
    }

    private void skipValue(int depth) throws Unsure {
        int c = skipWhitespace();
        switch (c) {
            case '{' -> {
                if (depth >= MAX_DEPTH) {
                    throw Unsure.INSTANCE;
                }
                pos++;
                if (skipWhitespace() == '}') {
                    pos++;
                    return;
                }
                while (true) {
                    if (skipWhitespace() != '"') {
                        throw Unsure.INSTANCE;
                    }
                    pos++;
                    scanString();
                    if (skipWhitespace() != ':') {
                        throw Unsure.INSTANCE;
                    }
                    pos++;
                    skipValue(depth + 1);
                    int next = skipWhitespace();
                    pos++;
                    if (next == '}') {
                        return;
                    }
                    if (next != ',') {
                        throw Unsure.INSTANCE;
                    }
                }
            }
            case '[' -> {
                if (depth >= MAX_DEPTH) {
                    throw Unsure.INSTANCE;
                }
                pos++;
                if (skipWhitespace() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    skipValue(depth + 1);
                    int next = skipWhitespace();
                    pos++;
                    if (next == ']') {
                        return;
                    }
                    if (next != ',') {
                        throw Unsure.INSTANCE;
                    }
                }
            }
            case '"' -> {
                pos++;
                scanString();
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    readNumber();
                } else {
                    throw Unsure.INSTANCE;
                }
            }
        }
    }

    private void literal(String word) throws Unsure {
        int n = word.length();
        if (skipWhitespace() < 0 || end - pos < n) {
            throw Unsure.INSTANCE;
        }
        for (int i = 0; i < n; i++) {
            if (b[pos + i] != word.charAt(i)) {
                throw Unsure.INSTANCE;
            }
        }
        pos += n;
    }

    /** JSON whitespace as Jackson reads it; returns the next byte (unconsumed) or -1 at the end. */
    private int skipWhitespace() {
        while (pos < end) {
            int c = b[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return c & 0xFF;
            }
            pos++;
        }
        return -1;
    }

    /** Reads a number token: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    private void readNumber() throws Unsure {
        skipWhitespace();
        int i = pos;
        numStart = i;
        if (i < end && b[i] == '-') {
            i++;
        }
        if (i >= end) {
            throw Unsure.INSTANCE;
        }
        if (b[i] == '0') {
            i++;
            if (i < end && isDigit(b[i])) {
                throw Unsure.INSTANCE;
            }
        } else if (b[i] >= '1' && b[i] <= '9') {
            while (i < end && isDigit(b[i])) {
                i++;
            }
        } else {
            throw Unsure.INSTANCE;
        }
        boolean whole = true;
        if (i < end && b[i] == '.') {
            whole = false;
            i++;
            if (i >= end || !isDigit(b[i])) {
                throw Unsure.INSTANCE;
            }
            while (i < end && isDigit(b[i])) {
                i++;
            }
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            whole = false;
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            if (i >= end || !isDigit(b[i])) {
                throw Unsure.INSTANCE;
            }
            while (i < end && isDigit(b[i])) {
                i++;
            }
        }
        if (i - numStart > MAX_NUMBER_CHARS) {
            throw Unsure.INSTANCE;
        }
        numEnd = i;
        numInt = whole;
        pos = i;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** Scans a string whose opening quote is consumed; leaves pos after its closing quote. */
    private void scanString() throws Unsure {
        int i = pos;
        strStart = i;
        boolean escaped = false;
        boolean ascii = true;
        while (true) {
            while (i < end && !STRING_SPECIAL[b[i] & 0xFF]) {
                i++;
            }
            if (i >= end) {
                throw Unsure.INSTANCE;
            }
            int c = b[i] & 0xFF;
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                escaped = true;
                i = escape(i + 1);
            } else if (c < 0x20) {
                throw Unsure.INSTANCE;
            } else {
                ascii = false;
                i = utf8(i, c);
            }
        }
        strEnd = i;
        strEscaped = escaped;
        strAscii = ascii;
        pos = i + 1;
    }

    /** Checks the escape whose letter is at {@code i}; returns the index after it. */
    private int escape(int i) throws Unsure {
        if (i >= end) {
            throw Unsure.INSTANCE;
        }
        switch (b[i]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return i + 1;
            }
            case 'u' -> {
                int v = hex4(i + 1);
                if (v < 0 || (v >= 0xD800 && v <= 0xDFFF)) {
                    throw Unsure.INSTANCE;
                }
                return i + 5;
            }
            default -> throw Unsure.INSTANCE;
        }
    }

    private int hex4(int i) {
        if (end - i < 4) {
            return -1;
        }
        int v = 0;
        for (int k = i; k < i + 4; k++) {
            int d = Character.digit(b[k], 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    /** Checks one well-formed, shortest-form UTF-8 sequence starting with {@code c} at {@code i}. */
    private int utf8(int i, int c) throws Unsure {
        int n;
        int lo = 0x80;
        int hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            throw Unsure.INSTANCE;
        }
        if (end - i <= n) {
            throw Unsure.INSTANCE;
        }
        int c1 = b[i + 1] & 0xFF;
        if (c1 < lo || c1 > hi) {
            throw Unsure.INSTANCE;
        }
        for (int k = i + 2; k <= i + n; k++) {
            if ((b[k] & 0xC0) != 0x80) {
                throw Unsure.INSTANCE;
            }
        }
        return i + n + 1;
    }

    /** Writes the current (escaped) string's UTF-8 bytes to {@code out}; returns their count. */
    private int unescape(byte[] out) {
        int n = 0;
        int i = strStart;
        while (i < strEnd) {
            byte c = b[i];
            if (c != '\\') {
                out[n++] = c;
                i++;
                continue;
            }
            n = unescapeOne(i + 1, out, n);
            i += b[i + 1] == 'u' ? 6 : 2;
        }
        return n;
    }

    /** Writes the UTF-8 bytes of the (checked) escape whose letter is at {@code i} to {@code out[n]}; new n. */
    private int unescapeOne(int i, byte[] out, int n) {
        byte e = b[i];
        switch (e) {
            case 'b' -> out[n++] = '\b';
            case 'f' -> out[n++] = '\f';
            case 'n' -> out[n++] = '\n';
            case 'r' -> out[n++] = '\r';
            case 't' -> out[n++] = '\t';
            case 'u' -> {
                int v = hex4(i + 1);
                if (v < 0x80) {
                    out[n++] = (byte) v;
                } else if (v < 0x800) {
                    out[n++] = (byte) (0xC0 | (v >> 6));
                    out[n++] = (byte) (0x80 | (v & 0x3F));
                } else {
                    out[n++] = (byte) (0xE0 | (v >> 12));
                    out[n++] = (byte) (0x80 | ((v >> 6) & 0x3F));
                    out[n++] = (byte) (0x80 | (v & 0x3F));
                }
            }
            default -> out[n++] = e; // '"', '\\', '/'
        }
        return n;
    }

    /**
     * Reads a string value and copies its UTF-8 bytes, escapes resolved, into {@link #copied()}, in one pass
     * (for the response body, which is read again as JSON); returns their count.
     */
    int readStringCopy() throws Unsure {
        if (skipWhitespace() != '"') {
            throw Unsure.INSTANCE;
        }
        pos++;
        int i = pos;
        if (copy.length < end - i) {
            copy = new byte[Math.max(end - i, 2 * copy.length)];
        }
        byte[] out = copy;
        int n = 0;
        strStart = i;
        boolean escaped = false;
        boolean ascii = true;
        while (true) {
            if (i >= end) {
                throw Unsure.INSTANCE;
            }
            byte c = b[i];
            int u = c & 0xFF;
            if (!STRING_SPECIAL[u]) {
                out[n++] = c;
                i++;
                continue;
            }
            if (u == '"') {
                break;
            }
            if (u == '\\') {
                escaped = true;
                int next = escape(i + 1);
                n = unescapeOne(i + 1, out, n);
                i = next;
            } else if (u < 0x20) {
                throw Unsure.INSTANCE;
            } else {
                ascii = false;
                int next = utf8(i, u);
                while (i < next) {
                    out[n++] = b[i++];
                }
            }
        }
        strEnd = i;
        strEscaped = escaped;
        strAscii = ascii;
        pos = i + 1;
        return n;
    }

    /** The bytes of the last {@link #readStringCopy}, valid until the next one. */
    byte[] copied() {
        return copy;
    }
}
