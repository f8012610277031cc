package dev.offerrecorder.transform;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.request.BadRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.eventnotifications.s3.model.S3;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotification;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotificationRecord;

/**
 * Reads S3 event notifications (as S3 sends them to SQS) with AWS's own model; object keys arrive URL-encoded.
 * The {@code s3:TestEvent} S3 sends when a notification configuration is set has no records and is ignored.
 */
final class S3Notifications {
    private static final String TEST_EVENT = "s3:TestEvent";
    private final ObjectMapper mapper = Json.newMapper();

    record ObjectRef(String bucket, String key) {}

    /** The raw-log objects a notification names; BadRequestException saying what is wrong with it. */
    List<ObjectRef> parse(String body) {
        S3EventNotification notification;
        try {
            notification = S3EventNotification.fromJson(body);
        } catch (UncheckedIOException e) {
            throw new BadRequestException(
                    "not an S3 notification (not JSON): " + e.getCause().getMessage());
        } catch (RuntimeException e) {
            // The model's reader refuses a Records that is not an array of objects ("expected 'Records' to be...").
            throw new BadRequestException("not an S3 notification: no Records array (" + e.getMessage() + ")");
        }
        if (notification.getRecords() == null) {
            if (isTestEvent(body)) {
                return List.of();
            }
            throw new BadRequestException("not an S3 notification: no Records array");
        }
        List<ObjectRef> refs = new ArrayList<>();
        for (S3EventNotificationRecord r : notification.getRecords()) {
            S3 s3 = r == null ? null : r.getS3();
            String bucket =
                    s3 == null || s3.getBucket() == null ? null : s3.getBucket().getName();
            String key = s3 == null || s3.getObject() == null || s3.getObject().getKey() == null
                    ? null
                    : s3.getObject().getUrlDecodedKey();
            if (bucket == null || bucket.isEmpty() || key == null || key.isEmpty()) {
                throw new BadRequestException("S3 notification record without bucket or key");
            }
            if (key.startsWith(RawLogKeys.PREFIX) && key.endsWith(RawLogKeys.SUFFIX)) {
                refs.add(new ObjectRef(bucket, key));
            }
        }
        return refs;
    }

    /** AWS's model drops the test message's fields, so the one field that says what it is is read here. */
    private boolean isTestEvent(String body) {
        try {
            return TEST_EVENT.equals(mapper.readTree(body).path("Event").asText());
        } catch (IOException e) {
            return false;
        }
    }
}
