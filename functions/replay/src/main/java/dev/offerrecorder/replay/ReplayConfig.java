package dev.offerrecorder.replay;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import java.util.Optional;

/**
 * The replay function's settings, read and checked once per container.
 *
 * @param dlqUrl {@code JOB_DLQ_URL}: the queue replayed from
 * @param jobQueueUrl {@code JOB_QUEUE_URL}: the queue replayed into; must not be the DLQ
 * @param apiCapacityRps {@code API_CAPACITY_RPS} (default 50): no replay may run faster than this
 * @param headroomPercent {@code REPLAY_HEADROOM_PERCENT} (default 50): the default rate's share of the capacity
 * @param rawBucket {@code RAW_BUCKET} (optional): where the worker notes each failed job's last reason
 */
public record ReplayConfig(
        String dlqUrl, String jobQueueUrl, int apiCapacityRps, int headroomPercent, Optional<String> rawBucket) {
    public static ReplayConfig from(Env env) {
        String dlq = env.url("JOB_DLQ_URL");
        String jobs = env.url("JOB_QUEUE_URL");
        if (dlq.equals(jobs)) {
            throw new ConfigException(
                    "JOB_DLQ_URL",
                    "must differ from JOB_QUEUE_URL (a replay would move the DLQ " + "into itself), both are '" + dlq
                            + "'");
        }
        return new ReplayConfig(
                dlq,
                jobs,
                env.getInt("API_CAPACITY_RPS", 50, 1, 1_000_000),
                env.getInt("REPLAY_HEADROOM_PERCENT", 50, 1, 100),
                env.optional("RAW_BUCKET").map(b -> env.bucket("RAW_BUCKET")));
    }

    /** The rate a replay runs at when none is asked for. */
    public int defaultRate() {
        return ReplayService.rateFor(apiCapacityRps, headroomPercent / 100.0);
    }
}
