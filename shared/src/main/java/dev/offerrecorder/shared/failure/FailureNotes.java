package dev.offerrecorder.shared.failure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * A job's last failure, kept where replay's peek can find it: SQS cannot change a message on redelivery, so the
 * worker puts one small JSON object per failed job under {@value #PREFIX} in the raw bucket (outside the
 * {@code raw/} prefix the transform is notified of), keyed by the job's identity, overwritten on each failure.
 * A job parked in the DLQ thus shows its real reason ("HTTP 401 from the API"), not only its receive count.
 */
public final class FailureNotes {
    public static final String PREFIX = "failures/";

    private static final ObjectMapper MAPPER = Json.newMapper();

    private FailureNotes() {}

    /** A note as read back. */
    public record Note(JobFailure failure, Instant at, String messageId) {}

    public static String key(Job job) {
        return PREFIX + "run=" + job.runId() + "/dt=" + job.date() + "/shop=" + job.shopId() + ".json";
    }

    public static byte[] encode(Job job, JobFailure failure, Instant at, String messageId) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("runId", job.runId());
        n.put("shopId", job.shopId());
        n.put("date", job.date().toString());
        n.put("kind", failure.kind().name());
        n.put("detail", failure.detail());
        n.put("at", at.toString());
        n.put("messageId", messageId);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Empty when the bytes are not a note this code wrote (never an exception: a peek must not fail on it). */
    public static Optional<Note> decode(byte[] bytes) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            JobFailure.Kind kind = JobFailure.Kind.valueOf(n.path("kind").asText());
            Instant at = n.hasNonNull("at") ? Instant.parse(n.path("at").asText()) : null;
            return Optional.of(new Note(
                    new JobFailure(kind, n.path("detail").asText("")),
                    at,
                    n.path("messageId").asText(null)));
        } catch (JsonProcessingException | IllegalArgumentException | java.time.DateTimeException e) {
            return Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
