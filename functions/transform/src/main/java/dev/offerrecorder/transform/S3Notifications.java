package dev.offerrecorder.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.request.BadRequestException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads S3 event notifications (as S3 sends them to SQS): object keys arrive URL-encoded. */
final class S3Notifications {
    private final ObjectMapper mapper = Json.newMapper();

    record ObjectRef(String bucket, String key) {}

    List<ObjectRef> parse(String body) {
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("not an S3 notification (not JSON): " + e.getOriginalMessage());
        }
        List<ObjectRef> refs = new ArrayList<>();
        if ("s3:TestEvent".equals(node.path("Event").asText())) {
            return refs;
        }
        JsonNode records = node.get("Records");
        if (records == null || !records.isArray()) {
            throw new BadRequestException("not an S3 notification: no Records array");
        }
        for (JsonNode r : records) {
            String bucket = r.path("s3").path("bucket").path("name").asText("");
            String key =
                    URLDecoder.decode(r.path("s3").path("object").path("key").asText(""), StandardCharsets.UTF_8);
            if (bucket.isEmpty() || key.isEmpty()) {
                throw new BadRequestException("S3 notification record without bucket or key");
            }
            if (key.startsWith(RawLogKeys.PREFIX) && key.endsWith(RawLogKeys.SUFFIX)) {
                refs.add(new ObjectRef(bucket, key));
            }
        }
        return refs;
    }
}
