package dev.offerrecorder.worker;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** Puts one gzip JSON Lines raw-log object. Returns only once S3 has acknowledged the write. */
public final class RawLogWriter {
    private final S3Client s3;
    private final String bucket;

    public RawLogWriter(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public void write(String key, byte[] gzipJsonLines) {
        s3.putObject(
                PutObjectRequest.builder()
                        .bucket(bucket)
                        .key(key)
                        .contentType("application/x-ndjson")
                        .build(),
                RequestBody.fromBytes(gzipJsonLines));
    }

    /** Puts a small JSON object (a job's last failure, see {@code FailureNotes}). */
    public void writeJson(String key, byte[] json) {
        s3.putObject(
                PutObjectRequest.builder()
                        .bucket(bucket)
                        .key(key)
                        .contentType("application/json")
                        .build(),
                RequestBody.fromBytes(json));
    }

    public String bucket() {
        return bucket;
    }
}
