package dev.offerrecorder.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads a shop manifest from S3: CSV with a header row naming the ID column, or JSON Lines with the ID field;
 * gzip detected by its magic bytes. Blank, malformed and duplicate IDs are reported with their line number and
 * skipped; a manifest that is missing, unreadable, empty or has no ID column is an error.
 */
public final class ManifestReader {
    private final S3Client s3;
    private final ObjectMapper mapper = Json.newMapper();

    public ManifestReader(S3Client s3) {
        this.s3 = s3;
    }

    public record BadRow(long line, String reason) {
    }

    public record Manifest(String uri, String etag, List<String> ids, List<BadRow> badRows) {
    }

    /** @param expectedEtag when not null, the object must still be the one a slice was planned from */
    public Manifest read(String uri, String idColumn, String expectedEtag) {
        S3Location location = S3Location.parse(uri);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> {
            r.bucket(location.bucket()).key(location.key());
            if (expectedEtag != null) {
                r.ifMatch(expectedEtag);
            }
        })) {
            String etag = in.response().eTag();
            Manifest manifest = parse(uri, etag, in, idColumn);
            return manifest;
        } catch (NoSuchKeyException | NoSuchBucketException e) {
            throw new BadRequestException("manifest " + uri + " not found");
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new BadRequestException("manifest " + uri + " changed since the run was planned (ETag "
                        + expectedEtag + "); start a new run");
            }
            throw new BadRequestException("manifest " + uri + " is unreadable: " + e.awsErrorDetails().errorMessage());
        } catch (IOException e) {
            throw new BadRequestException("manifest " + uri + " is unreadable: " + e.getMessage());
        }
    }

    Manifest parse(String uri, String etag, InputStream raw, String idColumn) throws IOException {
        var buffered = new BufferedInputStream(raw, 64 * 1024);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(buffered, 64 * 1024) : buffered;
        List<String> ids = new ArrayList<>();
        List<BadRow> bad = new ArrayList<>();
        Map<String, Long> firstSeen = new HashMap<>();
        try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64 * 1024)) {
            String line = reader.readLine();
            long lineNo = 1;
            while (line != null && line.isBlank()) {
                line = reader.readLine();
                lineNo++;
            }
            if (line == null) {
                throw new BadRequestException("manifest " + uri + " is empty");
            }
            boolean jsonLines = line.stripLeading().startsWith("{");
            int column = -1;
            if (!jsonLines) {
                List<String> header = splitCsv(stripBom(line));
                for (int i = 0; i < header.size(); i++) {
                    if (header.get(i).equalsIgnoreCase(idColumn)) {
                        column = i;
                    }
                }
                if (column < 0) {
                    throw new BadRequestException("manifest " + uri + " line " + lineNo + ": header " + header
                            + " has no ID column '" + idColumn + "'");
                }
                line = reader.readLine();
                lineNo++;
            }
            for (; line != null; line = reader.readLine(), lineNo++) {
                if (line.isBlank()) {
                    continue;
                }
                String id;
                if (jsonLines) {
                    id = jsonId(line, idColumn, lineNo, bad);
                    if (id == null) {
                        continue;
                    }
                } else {
                    List<String> fields = splitCsv(line);
                    if (column >= fields.size()) {
                        bad.add(new BadRow(lineNo, "has " + fields.size() + " fields, no '" + idColumn + "' value"));
                        continue;
                    }
                    id = fields.get(column);
                }
                if (id.isBlank()) {
                    bad.add(new BadRow(lineNo, "blank shop ID"));
                } else if (!Job.isValidId(id)) {
                    bad.add(new BadRow(lineNo, "shop ID '" + abbreviate(id)
                            + "' is not 1-64 letters, digits, '-' or '_'"));
                } else {
                    Long first = firstSeen.putIfAbsent(id, lineNo);
                    if (first != null) {
                        bad.add(new BadRow(lineNo, "duplicate shop ID '" + id + "' (first on line " + first + ")"));
                    } else {
                        ids.add(id);
                    }
                }
            }
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new BadRequestException("manifest " + uri + " is unreadable: corrupt gzip (" + e.getMessage() + ")");
        }
        if (ids.isEmpty()) {
            throw new BadRequestException("manifest " + uri + " has no valid shop IDs (" + bad.size() + " bad rows"
                    + (bad.isEmpty() ? "" : ", first: line " + bad.getFirst().line() + " " + bad.getFirst().reason())
                    + ")");
        }
        return new Manifest(uri, etag, List.copyOf(ids), List.copyOf(bad));
    }

    private String jsonId(String line, String field, long lineNo, List<BadRow> bad) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (IOException e) {
            bad.add(new BadRow(lineNo, "not valid JSON"));
            return null;
        }
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            bad.add(new BadRow(lineNo, "no '" + field + "' field"));
            return null;
        }
        if (!value.isTextual() && !value.isIntegralNumber()) {
            bad.add(new BadRow(lineNo, "'" + field + "' is " + value.getNodeType() + ", not a string or integer"));
            return null;
        }
        return value.asText().trim();
    }

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
                out.add(field.toString().trim());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString().trim());
        return out;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
