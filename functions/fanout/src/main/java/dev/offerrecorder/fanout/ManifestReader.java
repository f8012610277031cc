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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads a shop manifest from S3: CSV with a header row naming the ID column, or JSON Lines with the ID field;
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
                return parseLines(uri, etag, reader, idColumn);
            }
        } catch (EOFException | ZipException e) {
            throw new BadRequestException(
                    "manifest " + uri + " is unreadable: corrupt or truncated gzip (" + e.getMessage() + ")");
        }
    }

    private Manifest parseLines(String uri, String etag, BufferedReader reader, String idColumn) throws IOException {
        List<String> ids = new ArrayList<>();
        Rows bad = new Rows();
        Map<String, Long> firstSeen = new HashMap<>();
        String line = reader.readLine();
        long lineNo = 1;
        while (line != null && line.isBlank()) {
            line = reader.readLine();
            lineNo++;
        }
        if (line == null) {
            throw new BadRequestException("manifest " + uri + " is empty");
        }
        line = stripBom(line);
        boolean jsonLines = line.stripLeading().startsWith("{");
        int column = -1;
        long dataRows = 0;
        long rowsWithoutField = 0;
        if (!jsonLines) {
            List<String> header = splitCsv(line);
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).equalsIgnoreCase(idColumn)) {
                    if (column >= 0) {
                        throw new BadRequestException(
                                "manifest " + uri + " line " + lineNo + ": header names the ID" + " column '" + idColumn
                                        + "' twice (columns " + (column + 1) + " and " + (i + 1) + ")");
                    }
                    column = i;
                }
            }
            if (column < 0) {
                throw new BadRequestException("manifest " + uri + " line " + lineNo + ": header " + header
                        + " has no ID column '" + idColumn + "' (CSV needs a header row naming it)");
            }
            line = reader.readLine();
            lineNo++;
        }
        for (; line != null; line = reader.readLine(), lineNo++) {
            if (line.isBlank()) {
                continue;
            }
            dataRows++;
            String id;
            if (jsonLines) {
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (JsonProcessingException e) {
                    bad.add(lineNo, "not valid JSON");
                    continue;
                }
                if (node == null || !node.isObject()) {
                    bad.add(lineNo, "not a JSON object");
                    continue;
                }
                JsonNode value = node.get(idColumn);
                if (value == null || value.isNull()) {
                    rowsWithoutField++;
                    bad.add(lineNo, "no '" + idColumn + "' field");
                    continue;
                }
                if (!value.isTextual() && !value.isIntegralNumber()) {
                    bad.add(lineNo, "'" + idColumn + "' is " + value.getNodeType() + ", not a string or integer");
                    continue;
                }
                id = value.asText().strip();
            } else {
                if (quotesUnbalanced(line)) {
                    bad.add(lineNo, "unterminated quoted field");
                    continue;
                }
                List<String> fields = splitCsv(line);
                if (column >= fields.size()) {
                    bad.add(lineNo, "has " + fields.size() + " fields, no '" + idColumn + "' value");
                    continue;
                }
                id = fields.get(column);
            }
            if (id.isBlank()) {
                bad.add(lineNo, "blank shop ID");
            } else if (!Job.isValidId(id)) {
                bad.add(lineNo, "shop ID '" + abbreviate(id) + "' is not 1-64 letters, digits, '-' or '_'");
            } else {
                Long first = firstSeen.putIfAbsent(id, lineNo);
                if (first != null) {
                    bad.add(lineNo, "duplicate shop ID '" + id + "' (first on line " + first + ")");
                } else {
                    ids.add(id);
                }
            }
        }
        if (dataRows == 0) {
            throw new BadRequestException("manifest " + uri + " has a header but no shop rows");
        }
        if (jsonLines && rowsWithoutField == dataRows) {
            throw new BadRequestException("manifest " + uri + " has no ID field '" + idColumn + "' in any of its "
                    + dataRows + " JSON lines");
        }
        if (ids.isEmpty()) {
            BadRow first = bad.kept.getFirst();
            throw new BadRequestException("manifest " + uri + " has no valid shop IDs (" + bad.count
                    + " bad rows; first: line " + first.line() + ": " + first.reason() + ")");
        }
        return new Manifest(uri, idColumn, etag, List.copyOf(ids), bad.count, List.copyOf(bad.kept));
    }

    /** Counts every bad row, keeps the first few with their line. */
    private static final class Rows {
        final List<BadRow> kept = new ArrayList<>();
        long count;

        void add(long line, String reason) {
            count++;
            if (kept.size() < BAD_ROWS_KEPT) {
                kept.add(new BadRow(line, reason));
            }
        }
    }

    /** An odd number of quote characters means a quoted field runs past the line (multi-line fields unsupported). */
    private static boolean quotesUnbalanced(String line) {
        long quotes = line.chars().filter(c -> c == '"').count();
        return quotes % 2 != 0;
    }

    /** Splits one CSV line (RFC 4180 quoting, {@code ""} inside quotes) and trims each field. */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString().strip());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString().strip());
        return out;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
