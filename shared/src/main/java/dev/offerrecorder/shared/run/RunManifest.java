package dev.offerrecorder.shared.run;

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
 * {@code runs/RUN.json} in the recording bucket: what a run planned, written by the fan-out function itself before
 * it enqueues the run's jobs, however it was started (the daily schedule, {@code sam remote invoke}, a plain Lambda
 * Invoke, {@code ./recorder backfill}), so {@code status --run} can compare jobs planned with jobs recorded. One key
 * per run ID: a retried invocation rewrites the same object. Outside {@code raw/}, so the transform's notifications
 * and the raw-log lifecycle rules do not touch it.
 *
 * @param v            the format's version (1)
 * @param kind         schedule or backfill
 * @param jobsPlanned  jobs the run enqueues in all (every slice included)
 * @param slices       slices the run was cut into (1: enqueued by the planning invocation itself)
 * @param ratePerSecond the API rate the plan's estimate assumes
 * @param startedAt    when the fan-out planned the run (on a retry: when the retry did)
 * @param request      the invocation's input as the fan-out received it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunManifest(
        int v,
        String runId,
        String kind,
        LocalDate from,
        LocalDate to,
        long jobsPlanned,
        Integer slices,
        Double ratePerSecond,
        Instant startedAt,
        JsonNode request) {
    public static final int VERSION = 1;
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
