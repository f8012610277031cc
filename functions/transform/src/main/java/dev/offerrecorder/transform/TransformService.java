package dev.offerrecorder.transform;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Converts one raw-log object into Parquet partitions {@code offer_recordings/dt=YYYY-MM-DD/part-HASH.parquet}
 * in the platform bucket. HASH derives from the source key, so a retried transform overwrites its own output.
 * Lines that cannot become rows go to {@code quarantine/<source key>.jsonl} with reason and line number.
 */
public final class TransformService {
    public static final String TABLE_PREFIX = "offer_recordings/";
    public static final String QUARANTINE_PREFIX = "quarantine/";

    private final S3Client s3;
    private final String platformBucket;
    private final Path workDir;
    private final RawLineParser parser = new RawLineParser();
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log;

    public TransformService(S3Client s3, String platformBucket, Path workDir, JsonLog log) {
        this.s3 = s3;
        this.platformBucket = platformBucket;
        this.workDir = workDir;
        this.log = log;
    }

    public TransformResult transform(String bucket, String key) throws IOException {
        String source = "s3://" + bucket + "/" + key;
        String part = "part-" + digest(source);
        long lines = 0;
        long rows = 0;
        List<String> quarantine = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        try (InputStream raw = s3.getObject(r -> r.bucket(bucket).key(key));
             ParquetPartitionWriter writer = new ParquetPartitionWriter(workDir)) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(raw, 64 * 1024), StandardCharsets.UTF_8), 64 * 1024);
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines++;
                    if (line.isBlank()) {
                        quarantine.add(quarantineLine(source, lines, "blank line", line));
                        continue;
                    }
                    switch (parser.parse(line, source)) {
                        case RawLineParser.Row r -> {
                            writer.write(r.row());
                            rows++;
                        }
                        case RawLineParser.Bad b -> quarantine.add(quarantineLine(source, lines, b.reason(), line));
                    }
                }
            } catch (EOFException | ZipException e) {
                // A truncated or corrupt gzip tail: keep every line read so far, record where it broke.
                quarantine.add(quarantineLine(source, lines + 1, "gzip stream broken after line " + lines + ": "
                        + e.getMessage(), null));
            }
            for (ParquetPartitionWriter.Written w : writer.finish()) {
                String outKey = TABLE_PREFIX + "dt=" + w.date() + "/" + part + ".parquet";
                s3.putObject(r -> r.bucket(platformBucket).key(outKey).contentType("application/vnd.apache.parquet"),
                        RequestBody.fromFile(w.file()));
                Files.deleteIfExists(w.file());
                outputs.add(outKey);
            }
        }
        String quarantineKey = null;
        if (!quarantine.isEmpty()) {
            quarantineKey = QUARANTINE_PREFIX + key + ".jsonl";
            var body = new ByteArrayOutputStream();
            for (String q : quarantine) {
                body.writeBytes((q + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String qk = quarantineKey;
            s3.putObject(r -> r.bucket(platformBucket).key(qk).contentType("application/x-ndjson"),
                    RequestBody.fromBytes(body.toByteArray()));
        }
        // A line counted in both (a broken tail) is reported once as quarantined.
        long quarantinedLines = quarantine.size();
        var result = new TransformResult(source, lines, rows, quarantinedLines, outputs, quarantineKey);
        log.info("transform done", Map.of("result", result));
        return result;
    }

    private String quarantineLine(String source, long line, String reason, String raw) {
        ObjectNode node = mapper.createObjectNode();
        node.put("source", source);
        node.put("line", line);
        node.put("reason", reason);
        if (raw != null) {
            node.put("raw", raw);
        }
        return node.toString();
    }

    static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
