package dev.offerrecorder.transform;

import static dev.offerrecorder.shared.table.TableKeys.COMPACTION_PENDING_PREFIX;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Which partitions were written since their last compaction: {@code compaction-pending/dt=DATE/PART.UUID}, one
 * empty object per transform write of a partition, in the platform bucket outside the table.
 *
 * <p>Why this cannot lose a part (the race with a transform writing while compaction runs): the transform writes
 * its Parquet parts first and its marker after them; compaction lists the markers first and the partition after.
 * S3 lists are strongly consistent, so a marker compaction listed belongs to a part that was complete before the
 * partition was listed, i.e. a part compaction read. A part it did not read has a marker written after the
 * marker listing, which compaction does not clear. Every write makes a new marker key (the UUID), so a transform
 * retried or redelivered during a compaction never overwrites a marker that compaction is about to clear.
 */
final class CompactionMarkers {
    private static final int DELETE_BATCH = 1000;

    private final S3Client s3;
    private final String bucket;

    CompactionMarkers(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    static String prefix(LocalDate date) {
        return COMPACTION_PENDING_PREFIX + "dt=" + date + "/";
    }

    /** Marks {@code date} as written by {@code part}; called after the part's Parquet files are in S3. */
    String mark(LocalDate date, String part) {
        String key = prefix(date) + part + "." + UUID.randomUUID();
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.empty());
        return key;
    }

    /** The markers of one partition now. */
    List<String> list(LocalDate date) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix(date)))
                .contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    /** The partitions with at least one marker, oldest first. */
    List<LocalDate> pendingDates() {
        TreeSet<LocalDate> dates = new TreeSet<>();
        for (CommonPrefix p : s3.listObjectsV2Paginator(
                        r -> r.bucket(bucket).prefix(COMPACTION_PENDING_PREFIX).delimiter("/"))
                .commonPrefixes()) {
            String name = p.prefix().substring(COMPACTION_PENDING_PREFIX.length());
            if (name.startsWith("dt=") && name.endsWith("/")) {
                try {
                    dates.add(LocalDate.parse(name.substring(3, name.length() - 1)));
                } catch (DateTimeParseException e) {
                    // Not ours: a stray object under the prefix is left alone.
                }
            }
        }
        return List.copyOf(dates);
    }

    /** Deletes exactly these markers (the ones listed before the partition was read); throws if any remain. */
    void clear(List<String> keys) {
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += DELETE_BATCH) {
            List<ObjectIdentifier> batch = keys.subList(i, Math.min(keys.size(), i + DELETE_BATCH)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build())
                    .toList();
            DeleteObjectsResponse response = s3.deleteObjects(
                    r -> r.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
            response.errors().forEach(e -> failed.add(e.key() + " (" + e.code() + ")"));
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("the partition is compacted, but clearing " + failed.size()
                    + " marker(s) failed; the next run compacts it again: " + failed);
        }
    }
}
