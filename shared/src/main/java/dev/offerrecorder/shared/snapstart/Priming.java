package dev.offerrecorder.shared.snapstart;

import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * SnapStart priming shared by the handlers (each implements {@code org.crac.Resource} and calls this from
 * {@code beforeCheckpoint}): exercises the JSON mapper, the job and raw-log codecs and java.time so their classes
 * are loaded and warm in the snapshot. No network I/O: a connection opened before the snapshot would be restored
 * dead in every clone, and credentials fetched then would be shared by all of them (the SDK resolves them lazily,
 * after restore). Randomness that must differ between clones (retry jitter) is drawn from {@code SecureRandom}
 * per call, never from a generator seeded before the snapshot.
 */
public final class Priming {
    private Priming() {}

    /**
     * Runs {@code calls} on an S3 client built as {@link AwsClients#s3} builds the function's (region, endpoint
     * rules or override, path style), but with anonymous credentials and a {@link CannedHttpClient} answering
     * {@code body}: the SDK's real request path (marshalling, endpoint resolution, signing, interceptors, response
     * parsing) runs without network and without resolving the function's credentials. Returns the requests made.
     */
    public static int primeS3(Env env, String body, Consumer<S3Client> calls) {
        CannedHttpClient http = new CannedHttpClient("application/xml", body.getBytes(StandardCharsets.UTF_8));
        var builder = AwsClients.configure(S3Client.builder(), env, "AWS_ENDPOINT_URL_S3")
                .httpClient(http)
                .credentialsProvider(AnonymousCredentialsProvider.create());
        AwsClients.endpoint(env, "AWS_ENDPOINT_URL_S3").ifPresent(uri -> builder.forcePathStyle(true));
        try (S3Client s3 = builder.build()) {
            calls.accept(s3);
        }
        return http.requests();
    }

    public static void primeShared() {
        JobCodec jobs = new JobCodec();
        Job job = jobs.decode(jobs.encode(new Job("prime", "1", LocalDate.of(2024, 1, 1))));
        new RawLogCodec()
                .encode(List.of(new RawRecord(
                        RawRecord.VERSION,
                        job.runId(),
                        job.shopId(),
                        job.date(),
                        "http://prime/v1/shops/1/offer?date=2024-01-01",
                        200,
                        Outcome.OK,
                        1,
                        1,
                        "{\"offer_amount\":1}",
                        Instant.parse("2024-01-02T00:00:00Z"),
                        "prime",
                        null)));
        try {
            Json.newMapper()
                    .readTree("{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"shopRange\":{\"from\":1,\"to\":2}}");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("priming JSON did not parse", e);
        }
    }
}
