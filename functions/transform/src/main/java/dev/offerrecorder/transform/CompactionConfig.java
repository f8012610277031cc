package dev.offerrecorder.transform;

import dev.offerrecorder.shared.config.Env;
import java.nio.file.Path;
import java.time.ZoneId;

/**
 * Compaction's settings, read and checked once per container.
 *
 * @param platformBucket {@code PLATFORM_BUCKET} (required)
 * @param workDir {@code WORK_DIR} (default java.io.tmpdir; needs room for one partition's files twice)
 * @param targetBytes {@code COMPACTION_TARGET_MB} (default 128, 1..1024): size of a compacted file
 * @param lagDays {@code COMPACTION_LAG_DAYS} (default 1, 0..3650): a scheduled run compacts the day this many
 *     days before the event's date
 * @param timeZone {@code TIME_ZONE} (default UTC): the zone of the event's date
 */
public record CompactionConfig(String platformBucket, Path workDir, long targetBytes, int lagDays, ZoneId timeZone) {
    public static CompactionConfig from(Env env) {
        return new CompactionConfig(
                env.bucket("PLATFORM_BUCKET"),
                TransformConfig.workDir(env),
                env.getInt("COMPACTION_TARGET_MB", 128, 1, 1024) * 1024L * 1024L,
                env.getInt("COMPACTION_LAG_DAYS", 1, 0, 3650),
                env.zone("TIME_ZONE", "UTC"));
    }
}
