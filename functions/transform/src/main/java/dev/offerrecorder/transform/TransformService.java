package dev.offerrecorder.transform;

import static dev.offerrecorder.shared.table.TableKeys.QUARANTINE_PREFIX;
import static dev.offerrecorder.shared.table.TableKeys.TABLE_PREFIX;

import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.naming.Digests;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Converts one raw-log object into Parquet partitions {@code offer_recordings/dt=YYYY-MM-DD/part-HASH.parquet}
 * in the platform bucket (a date that needed more than one file also gets {@code part-HASH-1.parquet}, ...).
 * HASH derives from the source URI, so a retried or redelivered transform overwrites its own output instead of
 * adding a copy. Lines that cannot become rows go to {@code quarantine/<source key>.jsonl} with reason, source
 * and line number. Each partition written gets a compaction marker after its parts ({@link CompactionMarkers}),
 * so the next scheduled compaction dedupes it. Parquet is spilled to {@code workDir} while written, so memory does not grow with the input.
 */
public final class TransformService {
    public static final String PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";

    private final S3Client s3;
    private final String platformBucket;
    private final Path workDir;
    private final RawLogConverter converter = new RawLogConverter();
    private final CompactionMarkers markers;
    private final JsonLog log;

    public TransformService(S3Client s3, String platformBucket, Path workDir, JsonLog log) {
        this.s3 = s3;
        this.platformBucket = platformBucket;
        this.workDir = workDir;
        this.markers = new CompactionMarkers(s3, platformBucket);
        this.log = log;
    }

    public TransformResult transform(String bucket, String key) throws IOException {
        String source = "s3://" + bucket + "/" + key;
        String part = "part-" + digest(source);
        List<String> outputs = new ArrayList<>();
        String quarantineKey = null;
        RawLogConverter.Counts counts;
        try (ResponseInputStream<GetObjectResponse> raw =
                        s3.getObject(r -> r.bucket(bucket).key(key));
                ParquetPartitionWriter writer = new ParquetPartitionWriter(workDir);
                QuarantineFile quarantine = new QuarantineFile(workDir, source)) {
            Long length = raw.response().contentLength();
            counts = converter.convert(raw, length == null ? -1 : length, source, writer, quarantine);
            Set<LocalDate> dates = new TreeSet<>();
            for (ParquetPartitionWriter.Written w : writer.finish()) {
                String outKey = partitionPrefix(w.date().toString()) + part
                        + (w.segment() == 0 ? "" : "-" + w.segment()) + ".parquet";
                s3.putObject(
                        r -> r.bucket(platformBucket).key(outKey).contentType(PARQUET_CONTENT_TYPE),
                        RequestBody.fromFile(w.file()));
                outputs.add(outKey);
                dates.add(w.date());
            }
            // After the parts, never before: see CompactionMarkers for why this order cannot lose a part.
            for (LocalDate date : dates) {
                markers.mark(date, part);
            }
            if (quarantine.count() > 0) {
                String qk = QUARANTINE_PREFIX + key + ".jsonl";
                s3.putObject(
                        r -> r.bucket(platformBucket).key(qk).contentType("application/x-ndjson"),
                        RequestBody.fromFile(quarantine.file()));
                quarantineKey = qk;
            }
        }
        var result = new TransformResult(
                source,
                counts.linesIn(),
                counts.rowsOut(),
                counts.quarantined(),
                counts.reclassified(),
                counts.truncated(),
                outputs,
                quarantineKey);
        if (counts.quarantined() > 0 || counts.reclassified() > 0) {
            log.warn("transform done, lines quarantined or answers recorded as GARBAGE", Map.of("result", result));
        } else {
            log.info("transform done", Map.of("result", result));
        }
        return result;
    }

    /** {@code offer_recordings/dt=DATE/}: one Hive partition of the table. */
    public static String partitionPrefix(String date) {
        return TABLE_PREFIX + "dt=" + date + "/";
    }

    static String digest(String s) {
        return Digests.of(s, 8);
    }
}
