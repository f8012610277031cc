package dev.offerrecorder.transform;

import dev.offerrecorder.shared.config.Env;
import java.nio.file.Path;

/**
 * The transform's settings, read and checked once per container.
 *
 * @param platformBucket {@code PLATFORM_BUCKET}: where the table, the quarantine and the compaction markers live
 * @param workDir {@code WORK_DIR} (default java.io.tmpdir): Parquet is spilled here while written
 */
public record TransformConfig(String platformBucket, Path workDir) {
    public static TransformConfig from(Env env) {
        return new TransformConfig(env.bucket("PLATFORM_BUCKET"), workDir(env));
    }

    static Path workDir(Env env) {
        return Path.of(env.get("WORK_DIR", System.getProperty("java.io.tmpdir")));
    }
}
