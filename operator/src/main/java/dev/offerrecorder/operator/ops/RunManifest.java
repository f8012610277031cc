package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@code runs/RUN.json} in the recording bucket: what a backfill planned, written by {@code ./recorder backfill}
 * once fan-out has answered, so {@code status --run} can compare jobs planned with jobs recorded. Outside
 * {@code raw/}, so the transform's notifications and the raw-log lifecycle rules do not touch it.
 *
 * @param fanout the fan-out's summary as it answered
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunManifest(
        int v,
        String runId,
        LocalDate from,
        LocalDate to,
        long jobsPlanned,
        Instant startedAt,
        JsonNode request,
        JsonNode fanout) {
    public static final String PREFIX = "runs/";

    public static String key(String runId) {
        Job.requireId("runId", runId);
        return PREFIX + runId + ".json";
    }

    public void write(S3Client s3, String bucket) {
        try {
            byte[] body = Json.newMapper().writeValueAsBytes(this);
            s3.putObject(
                    r -> r.bucket(bucket).key(key(runId)).contentType("application/json"), RequestBody.fromBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Optional<RunManifest> read(S3Client s3, String bucket, String runId) {
        ObjectMapper mapper = Json.newMapper();
        try {
            byte[] body =
                    s3.getObjectAsBytes(r -> r.bucket(bucket).key(key(runId))).asByteArray();
            return Optional.of(mapper.readValue(body, RunManifest.class));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("s3://" + bucket + "/" + key(runId) + " is not a run manifest", e);
        }
    }
}
