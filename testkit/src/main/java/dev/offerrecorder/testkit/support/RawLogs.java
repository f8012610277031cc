package dev.offerrecorder.testkit.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads every raw-log line in a bucket back, for tests that count what was recorded. */
public final class RawLogs {
    private RawLogs() {}

    public static List<JsonNode> readAll(S3Client s3, String bucket) throws IOException {
        ObjectMapper mapper = Json.newMapper();
        List<JsonNode> out = new ArrayList<>();
        for (S3Object o :
                s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("raw/")).contents()) {
            try (var in = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(s3.getObject(r -> r.bucket(bucket).key(o.key()))), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.add(mapper.readTree(line));
                }
            }
        }
        return out;
    }
}
