package dev.offerrecorder.fanout;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.request.BadRequestException;
import java.time.ZoneId;
import java.util.Optional;

/** Fan-out settings, read and checked once per container. */
public record FanoutConfig(
        String jobQueueUrl,
        Optional<String> fanoutQueueUrl,
        ZoneId timeZone,
        Optional<String> scheduleManifest,
        String manifestIdColumn,
        int sliceMaxJobs,
        long deadlineReserveMillis,
        int sendConcurrency,
        double apiRatePerSecond,
        int releaseHighWaterJobs,
        int releaseDeferSeconds) {

    public static FanoutConfig from(Env env) {
        ZoneId zone = env.zone("TIME_ZONE", "Asia/Tokyo");
        Optional<String> manifest = env.optional("SHOP_MANIFEST");
        manifest.ifPresent(uri -> {
            // Checked at cold start, not first when the daily schedule fires.
            try {
                S3Location.parse(uri);
            } catch (BadRequestException e) {
                throw new ConfigException("SHOP_MANIFEST", "is not an s3://bucket/key URI: '" + uri + "'");
            }
        });
        int rate = env.getInt("API_RATE_PER_SECOND", 100, 1, 1_000_000);
        // A slice is released only while the job queue holds less than this; default: an hour of API work, so
        // the daily run never waits behind more than that and no job sits long enough to near retention.
        int highWater = (int) Math.min(1_000_000_000L, rate * 3600L);
        return new FanoutConfig(
                env.require("JOB_QUEUE_URL"),
                env.optional("FANOUT_QUEUE_URL"),
                zone,
                manifest,
                env.get("SHOP_MANIFEST_ID_COLUMN", "shop_id"),
                env.getInt("SLICE_MAX_JOBS", 200_000, 10, 50_000_000),
                env.getInt("DEADLINE_RESERVE_MS", 30_000, 0, 600_000),
                env.getInt("SEND_CONCURRENCY", 16, 1, 256),
                rate,
                env.getInt("RELEASE_HIGH_WATER_JOBS", highWater, 1, 1_000_000_000),
                env.getInt("RELEASE_DEFER_SECONDS", 300, 0, 900));
    }
}
