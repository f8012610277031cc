package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.request.BadRequestException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Manifest parsing: formats, and every kind of bad row or bad manifest named with its line. */
class ManifestReaderTest {
    private final ManifestReader reader = new ManifestReader(null);

    private ManifestReader.Manifest parse(String content) throws IOException {
        return parse(content.getBytes(StandardCharsets.UTF_8), "shop_id");
    }

    private ManifestReader.Manifest parse(byte[] content, String column) throws IOException {
        return reader.parse("s3://b/m.csv", "\"etag\"", new ByteArrayInputStream(content), column);
    }

    private String error(String content) {
        return assertThrows(BadRequestException.class, () -> parse(content)).getMessage();
    }

    static byte[] gzip(String s) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void csvWithQuotedFieldsCrlfAndBomFindsTheIdColumnByName() throws IOException {
        var m = parse("\uFEFFname,\"Shop_ID\"\r\n\"Acme, Inc\",A1\r\n\"say \"\"hi\"\"\", A2 \r\n");
        assertEquals(List.of("A1", "A2"), m.ids());
        assertEquals(0, m.badRowCount());
    }

    @Test
    void gzipIsDetectedByItsMagicBytes() throws IOException {
        assertEquals(
                List.of("1", "2"), parse(gzip("shop_id\n1\n2\n"), "shop_id").ids());
    }

    @Test
    void jsonLinesTakeStringOrIntegerIds() throws IOException {
        var m = parse("{\"shop_id\":\"x-1\"}\n\n{\"shop_id\":42,\"name\":\"n\"}\n");
        assertEquals(List.of("x-1", "42"), m.ids());
    }

    @Test
    void badRowsAreSkippedAndReportedWithTheirLine() throws IOException {
        var m = parse("shop_id,name\n1,a\n,blank\n2,b\n1,again\nbad id!,c\n\"3,d\",x\n4\n");
        assertEquals(List.of("1", "2", "4"), m.ids());
        assertEquals(4, m.badRowCount());
        assertEquals(
                List.of(
                        new ManifestReader.BadRow(3, "blank shop ID"),
                        new ManifestReader.BadRow(5, "duplicate shop ID '1' (first on line 2)"),
                        new ManifestReader.BadRow(6, "shop ID 'bad id!' is not 1-64 letters, digits, '-' or '_'"),
                        new ManifestReader.BadRow(7, "shop ID '3,d' is not 1-64 letters, digits, '-' or '_'")),
                m.badRows());
    }

    @Test
    void aQuotedCommaStaysInsideItsField() throws IOException {
        var m = parse("name,shop_id,city\n\"Acme, Inc\",A1,\"Osaka, JP\"\n\"x,y,z\",A2,\"\"\n");
        assertEquals(List.of("A1", "A2"), m.ids());
        assertEquals(0, m.badRowCount());
    }

    @Test
    void aQuotedLineBreakStaysInsideItsFieldAndLaterLinesKeepTheirNumbers() throws IOException {
        var m = parse("name,shop_id\n\"two\nlines\",A1\n\"three\r\nline\r\nname\",A2\nbad,?\n");
        assertEquals(List.of("A1", "A2"), m.ids());
        assertEquals(
                List.of(new ManifestReader.BadRow(7, "shop ID '?' is not 1-64 letters, digits, '-' or '_'")),
                m.badRows());
        var multiLineId = parse("shop_id,name\nA1,a\n\"A\n2\",b\nA3,c\n");
        assertEquals(List.of("A1", "A3"), multiLineId.ids());
        assertEquals(3, multiLineId.badRows().getFirst().line(), "a record is named by the line it starts on");
    }

    @Test
    void escapedQuotesAreOneQuote() throws IOException {
        var m = parse("shop_id,name\nA1,\"say \"\"hi\"\"\"\n\"A\"\"2\",x\n");
        assertEquals(List.of("A1"), m.ids());
        assertEquals(
                List.of(new ManifestReader.BadRow(3, "shop ID 'A\"2' is not 1-64 letters, digits, '-' or '_'")),
                m.badRows());
    }

    @Test
    void aBomAndCrlfLineEndsAreNotPartOfTheValues() throws IOException {
        var m = parse("\uFEFFshop_id,name\r\nA1,a\r\n\r\nA2,b\r\nA1,c\r\n");
        assertEquals(List.of("A1", "A2"), m.ids());
        assertEquals(List.of(new ManifestReader.BadRow(5, "duplicate shop ID 'A1' (first on line 2)")), m.badRows());
        assertEquals(List.of("7"), parse("\uFEFF{\"shop_id\":7}\r\n").ids(), "JSON Lines with a BOM and CRLF");
    }

    @Test
    void aQuoteThatNeverClosesRefusesTheManifestNamingItsLine() {
        String message = error("shop_id,name\n1,a\n\"2,b\n3,c\n4,d\n");
        assertTrue(message.startsWith("manifest s3://b/m.csv line 3: not valid CSV (RFC 4180)"), message);
    }

    @Test
    void shortCsvRowsAndBadJsonLinesAreReported() throws IOException {
        var csv = parse("name,shop_id\nonly-name\nn,7\n");
        assertEquals(List.of(new ManifestReader.BadRow(2, "has 1 fields, no 'shop_id' value")), csv.badRows());
        var json = parse("{\"shop_id\":\"a\"}\n{\"shop_id\":\"b\"} trailing\n[1]\n{\"shop_id\":1.5}\n{\"other\":1}\n");
        assertEquals(List.of("a"), json.ids());
        assertEquals(
                List.of(
                        new ManifestReader.BadRow(2, "not valid JSON"),
                        new ManifestReader.BadRow(3, "not a JSON object"),
                        new ManifestReader.BadRow(4, "'shop_id' is NUMBER, not a string or integer"),
                        new ManifestReader.BadRow(5, "no 'shop_id' field")),
                json.badRows());
    }

    @Test
    void bigManifestsKeepTheFirstBadRowsButCountThemAll() throws IOException {
        var sb = new StringBuilder("shop_id\nok\n");
        for (int i = 0; i < ManifestReader.BAD_ROWS_KEPT + 5; i++) {
            sb.append("ok\n");
        }
        var m = parse(sb.toString());
        assertEquals(ManifestReader.BAD_ROWS_KEPT + 5, m.badRowCount());
        assertEquals(ManifestReader.BAD_ROWS_KEPT, m.badRows().size());
        assertEquals(3, m.badRows().getFirst().line());
    }

    @Test
    void emptyManifestsAreErrors() throws IOException {
        assertEquals("manifest s3://b/m.csv is empty", error(""));
        assertEquals("manifest s3://b/m.csv is empty", error("\n  \n"));
        assertEquals(
                "manifest s3://b/m.csv is empty",
                assertThrows(BadRequestException.class, () -> parse(gzip(""), "shop_id"))
                        .getMessage());
        assertEquals("manifest s3://b/m.csv has a header but no shop rows", error("shop_id\n\n"));
    }

    @Test
    void aMissingIdColumnIsAnErrorNamingTheHeaderLine() {
        assertEquals(
                "manifest s3://b/m.csv line 2: header [id, name] has no ID column 'shop_id' (CSV needs a "
                        + "header row naming it)",
                error("\nid,name\n1,a\n"));
        assertEquals(
                "manifest s3://b/m.csv line 1: header names the ID column 'shop_id' twice (columns 1 and 3)",
                error("shop_id,name,SHOP_ID\n1,a,1\n"));
        assertEquals(
                "manifest s3://b/m.csv has no ID field 'shop_id' in any of its 2 JSON lines",
                error("{\"id\":1}\n{\"id\":2}\n"));
    }

    @Test
    void aManifestWithOnlyBadRowsNamesTheFirst() {
        assertEquals(
                "manifest s3://b/m.csv has no valid shop IDs (2 bad rows; first: line 2: blank shop ID)",
                error("shop_id\n \"\" \n?\n"));
    }

    @Test
    void corruptGzipIsUnreadable() throws IOException {
        byte[] gz = gzip("shop_id\n1\n2\n3\n");
        byte[] truncated = Arrays.copyOf(gz, gz.length - 12);
        String message = assertThrows(BadRequestException.class, () -> parse(truncated, "shop_id"))
                .getMessage();
        assertTrue(message.startsWith("manifest s3://b/m.csv is unreadable: corrupt or truncated gzip"), message);
    }

    @Test
    void etagsCompareWithoutQuotes() {
        assertTrue(ManifestReader.sameEtag("\"abc\"", "abc"));
        assertTrue(!ManifestReader.sameEtag("\"abc\"", "\"abd\""));
    }
}
