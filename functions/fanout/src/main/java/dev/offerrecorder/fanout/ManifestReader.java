package dev.offerrecorder.fanout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads a shop manifest from S3: CSV (RFC 4180, parsed by Apache Commons CSV: quoted fields may hold commas,
 * quotes and line breaks) with a header row naming the ID column, or JSON Lines with the ID field;
 * gzip detected by its magic bytes. Blank, malformed and duplicate IDs are reported with their line number and
 * skipped; a manifest that is missing, unreadable, empty or has no ID column is an error naming the manifest.
 *
 * <p>A read can be pinned to the ETag a run was planned from: the object must still be that one (If-Match, and
 * the returned ETag is checked as well, since not every S3 stand-in honours If-Match). The last manifest read is
 * kept per container keyed by its ETag, which names its content, so the many hand-overs of a slice do not
 * download and parse it again.
 */
public final class ManifestReader {
    /** Bad rows kept with their line for the log and the summary; all of them are counted. */
    static final int BAD_ROWS_KEPT = 1000;

    private final S3Client s3;
    private final Tracing tracing;
    private final ObjectReader json = Json.newMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private volatile Manifest last;

    public ManifestReader(S3Client s3) {
        this(s3, new NewRelicTracing());
    }

    public ManifestReader(S3Client s3, Tracing tracing) {
        this.s3 = s3;
        this.tracing = tracing;
    }

    /** A row that was skipped: its 1-based line in the manifest (or position in a shopIds list) and why. */
    public record BadRow(long line, String reason) {}

    /**
     * @param badRowCount every bad row; {@code badRows} holds the first {@value #BAD_ROWS_KEPT} of them
     */
    public record Manifest(
            String uri, String idColumn, String etag, List<String> ids, long badRowCount, List<BadRow> badRows) {}

    /** @param expectedEtag when not null, the object must still be the one a run was planned from */
    public Manifest read(String uri, String idColumn, String expectedEtag) {
        try (Tracing.Segment segment = tracing.segment("S3/readManifest")) {
            segment.addAttribute("uri", uri);
            Manifest cached = last;
            boolean hit = expectedEtag != null
                    && cached != null
                    && cached.uri().equals(uri)
                    && cached.idColumn().equals(idColumn)
                    && sameEtag(cached.etag(), expectedEtag);
            segment.addAttribute("cached", hit);
            Manifest manifest = hit ? cached : fetch(uri, idColumn, expectedEtag);
            segment.addAttribute("ids", manifest.ids().size());
            segment.addAttribute("badRows", manifest.badRowCount());
            return manifest;
        }
    }

    private Manifest fetch(String uri, String idColumn, String expectedEtag) {
        S3Location location = S3Location.parse(uri);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> {
            r.bucket(location.bucket()).key(location.key());
            if (expectedEtag != null) {
                r.ifMatch(expectedEtag);
            }
        })) {
            String etag = in.response().eTag();
            if (expectedEtag != null && !sameEtag(etag, expectedEtag)) {
                throw changed(uri, expectedEtag, etag);
            }
            Manifest manifest = parse(uri, etag, in, idColumn);
            last = manifest;
            return manifest;
        } catch (NoSuchKeyException e) {
            throw new BadRequestException("manifest " + uri + " not found: no object '" + location.key()
                    + "' in bucket '" + location.bucket() + "'");
        } catch (NoSuchBucketException e) {
            throw new BadRequestException("manifest " + uri + " not found: no bucket '" + location.bucket() + "'");
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw changed(uri, expectedEtag, null);
            }
            if (e.statusCode() == 404) {
                throw new BadRequestException("manifest " + uri + " not found");
            }
            String detail = e.awsErrorDetails() == null
                    ? e.getMessage()
                    : e.awsErrorDetails().errorCode() + " "
                            + e.awsErrorDetails().errorMessage();
            throw new BadRequestException("manifest " + uri + " is unreadable: HTTP " + e.statusCode() + " " + detail);
        } catch (IOException e) {
            throw new BadRequestException("manifest " + uri + " is unreadable: " + e.getMessage());
        }
    }

    private static BadRequestException changed(String uri, String expected, String actual) {
        return new BadRequestException("manifest " + uri + " changed since the run was planned (planned ETag "
                + expected + (actual == null ? "" : ", now " + actual) + "); start a new run for the new manifest");
    }

    static boolean sameEtag(String a, String b) {
        return a != null && b != null && unquote(a).equals(unquote(b));
    }

    private static String unquote(String etag) {
        String s = etag.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    Manifest parse(String uri, String etag, InputStream raw, String idColumn) throws IOException {
        var buffered = new BufferedInputStream(raw, 64 * 1024);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        try {
            InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(buffered, 64 * 1024) : buffered;
            try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64 * 1024)) {
                skipBom(reader);
                Rows rows = new Rows(uri, idColumn);
                return switch (firstSignificantChar(reader)) {
                    case -1 -> throw new BadRequestException("manifest " + uri + " is empty");
                    case '{' -> parseJsonLines(rows, etag, reader);
                    default -> parseCsv(rows, etag, reader);
                };
            }
        } catch (EOFException | ZipException e) {
            throw new BadRequestException(
                    "manifest " + uri + " is unreadable: corrupt or truncated gzip (" + e.getMessage() + ")");
        }
    }

    /** A byte-order mark is not part of the first header name. */
    private static void skipBom(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset();
        }
    }

    /** The first character that is not white space, without consuming it; -1 for a blank manifest. */
    private static int firstSignificantChar(BufferedReader reader) throws IOException {
        reader.mark(64 * 1024);
        int c;
        int read = 0;
        do {
            c = reader.read();
            read++;
        } while (c != -1 && Character.isWhitespace(c) && read < 64 * 1024);
        reader.reset();
        return c;
    }

    /** CSV (RFC 4180): a header row naming the ID column, then one shop per record; fields may span lines. */
    private Manifest parseCsv(Rows rows, String etag, BufferedReader reader) throws IOException {
        CSVFormat format = CSVFormat.RFC4180
                .builder()
                .setIgnoreEmptyLines(false) // kept, so that line numbers can be counted; skipped below
                .setIgnoreSurroundingSpaces(true)
                .setTrim(true)
                // In this mode an unquoted empty value reads as null and a quoted one ("") as "": a blank line
                // is then a record of one null, while a line holding "" is a row with a blank ID.
                .setQuoteMode(QuoteMode.ALL_NON_NULL)
                .get();
        try (CSVParser parser =
                CSVParser.builder().setReader(reader).setFormat(format).get()) {
            CsvCursor records = new CsvCursor(rows.uri, parser);
            CSVRecord header = records.nextNonBlank();
            if (header == null) {
                throw new BadRequestException("manifest " + rows.uri + " is empty");
            }
            int column = idColumnOf(rows, header, records.line);
            for (CSVRecord r = records.nextNonBlank(); r != null; r = records.nextNonBlank()) {
                rows.dataRows++;
                if (column >= r.size()) {
                    rows.bad(records.line, "has " + r.size() + " fields, no '" + rows.idColumn + "' value");
                } else {
                    rows.id(records.line, value(r, column));
                }
            }
        }
        return rows.manifest(etag, false);
    }

    private static String value(CSVRecord record, int i) {
        String v = record.get(i);
        return v == null ? "" : v;
    }

    /** The header's position of the ID column (case-insensitive), or an error naming the header line. */
    private static int idColumnOf(Rows rows, CSVRecord header, long line) {
        int column = -1;
        for (int i = 0; i < header.size(); i++) {
            if (value(header, i).equalsIgnoreCase(rows.idColumn)) {
                if (column >= 0) {
                    throw new BadRequestException("manifest " + rows.uri + " line " + line + ": header names the ID"
                            + " column '" + rows.idColumn + "' twice (columns " + (column + 1) + " and " + (i + 1)
                            + ")");
                }
                column = i;
            }
        }
        if (column < 0) {
            throw new BadRequestException("manifest " + rows.uri + " line " + line + ": header "
                    + header.stream().map(v -> v == null ? "" : v).toList() + " has no ID column '" + rows.idColumn
                    + "' (CSV needs a header row naming it)");
        }
        return column;
    }

    /**
     * Walks CSV records, skipping blank lines, and knows the line each record starts on: the line after the one
     * the previous record ended on (a quoted field can span lines). A syntax error (a quote that never closes)
     * refuses the manifest, naming the line: what follows it cannot be told apart from the quoted field.
     */
    private static final class CsvCursor {
        private final String uri;
        private final Iterator<CSVRecord> records;
        private final CSVParser parser;
        private long endLine;
        long line;

        CsvCursor(String uri, CSVParser parser) {
            this.uri = uri;
            this.parser = parser;
            this.records = parser.iterator();
        }

        CSVRecord nextNonBlank() {
            while (true) {
                line = endLine + 1;
                CSVRecord r;
                try {
                    if (!records.hasNext()) {
                        return null;
                    }
                    r = records.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    throw new BadRequestException("manifest " + uri + " line " + line + ": not valid CSV (RFC 4180): "
                            + rootMessage(e) + "; a quoted field must end with a quote before the next field");
                }
                endLine = Math.max(line, parser.getCurrentLineNumber());
                if (!(r.size() == 1 && r.get(0) == null)) {
                    return r;
                }
            }
        }

        private static String rootMessage(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return t.getMessage();
        }
    }

    /** JSON Lines: one object per line with the ID field, a string or an integer. */
    private Manifest parseJsonLines(Rows rows, String etag, BufferedReader reader) throws IOException {
        long lineNo = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            rows.dataRows++;
            String id = jsonId(rows, lineNo, line);
            if (id != null) {
                rows.id(lineNo, id);
            }
        }
        return rows.manifest(etag, true);
    }

    /** The line's ID, or null after reporting why the line has none. */
    private String jsonId(Rows rows, long lineNo, String line) {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            rows.bad(lineNo, "not valid JSON");
            return null;
        }
        if (node == null || !node.isObject()) {
            rows.bad(lineNo, "not a JSON object");
            return null;
        }
        JsonNode value = node.get(rows.idColumn);
        if (value == null || value.isNull()) {
            rows.rowsWithoutField++;
            rows.bad(lineNo, "no '" + rows.idColumn + "' field");
            return null;
        }
        if (!value.isTextual() && !value.isIntegralNumber()) {
            rows.bad(lineNo, "'" + rows.idColumn + "' is " + value.getNodeType() + ", not a string or integer");
            return null;
        }
        return value.asText().strip();
    }

    /** What parsing found so far: valid IDs in order, every bad row counted and the first few kept. */
    private static final class Rows {
        final String uri;
        final String idColumn;
        final List<String> ids = new ArrayList<>();
        final Map<String, Long> firstSeen = new HashMap<>();
        final List<BadRow> kept = new ArrayList<>();
        long badCount;
        long dataRows;
        long rowsWithoutField;

        Rows(String uri, String idColumn) {
            this.uri = uri;
            this.idColumn = idColumn;
        }

        void bad(long line, String reason) {
            badCount++;
            if (kept.size() < BAD_ROWS_KEPT) {
                kept.add(new BadRow(line, reason));
            }
        }

        /** Keeps a valid first occurrence; reports blank, invalid and repeated IDs. */
        void id(long line, String id) {
            if (id.isBlank()) {
                bad(line, "blank shop ID");
            } else if (!Job.isValidId(id)) {
                bad(line, "shop ID '" + abbreviate(id) + "' is not 1-64 letters, digits, '-' or '_'");
            } else {
                Long first = firstSeen.putIfAbsent(id, line);
                if (first != null) {
                    bad(line, "duplicate shop ID '" + id + "' (first on line " + first + ")");
                } else {
                    ids.add(id);
                }
            }
        }

        Manifest manifest(String etag, boolean jsonLines) {
            if (dataRows == 0) {
                throw new BadRequestException("manifest " + uri + " has a header but no shop rows");
            }
            if (jsonLines && rowsWithoutField == dataRows) {
                throw new BadRequestException("manifest " + uri + " has no ID field '" + idColumn + "' in any of its "
                        + dataRows + " JSON lines");
            }
            if (ids.isEmpty()) {
                BadRow first = kept.getFirst();
                throw new BadRequestException("manifest " + uri + " has no valid shop IDs (" + badCount
                        + " bad rows; first: line " + first.line() + ": " + first.reason() + ")");
            }
            return new Manifest(uri, idColumn, etag, List.copyOf(ids), badCount, List.copyOf(kept));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
