package dev.offerrecorder.worker;

import dev.offerrecorder.shared.log.JsonLog;
import java.util.Map;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * How much of the API's capacity this container may use right now, read from the job queue itself.
 *
 * <p>While jobs wait in the queue (visible messages), every container the event source may run is busy or about to
 * be, and each takes the static share {@code capacity / WORKER_MAX_CONCURRENCY}. Once nothing waits (the end of a
 * run, or a run smaller than the fleet), the jobs being worked on are all in flight (not visible), and each
 * container takes the part of the capacity its batch is of them: {@code capacity x mine / inFlight}. The shares of
 * the containers still working then add up to the capacity again instead of leaving the idle containers' shares
 * unused. A share is never below the static one nor above the whole capacity.
 *
 * <p>One {@code GetQueueAttributes} per refresh (every second of a batch): about $0.40 per million calls, a
 * few cents for a year's backfill. The counts are approximate in SQS; a count that is off errs low on the share
 * when jobs wait out a retry delay (they count as in flight), and the adaptive limit and the pacer's back-off on
 * a 429/503 catch an overshoot. When SQS cannot be read the static share applies.
 */
final class FleetShare {
    private final SqsClient sqs;
    private final String queueUrl;
    private final double capacityRps;
    private final int maxContainers;
    private final JsonLog log;

    FleetShare(SqsClient sqs, String queueUrl, double capacityRps, int maxContainers, JsonLog log) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.capacityRps = capacityRps;
        this.maxContainers = maxContainers;
        this.log = log;
    }

    /** The static share: the capacity split over every container the event source may run. */
    double staticShare() {
        return capacityRps / maxContainers;
    }

    /**
     * This container's share, holding {@code mine} of the queue's in-flight messages.
     *
     * @throws InterruptedException when the read was stopped (the batch ended meanwhile): no share, no warning
     */
    double shareFor(int mine) throws InterruptedException {
        try {
            Map<QueueAttributeName, String> counts = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                            .attributeNames(
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                    .attributes();
            long waiting = Long.parseLong(counts.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"));
            long inFlight = Long.parseLong(
                    counts.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
            return share(mine, waiting, inFlight);
        } catch (AbortedException e) {
            throw new InterruptedException("job queue counts not read: " + e.getMessage());
        } catch (SdkException | NumberFormatException e) {
            log.warn(
                    "job queue counts not read; pacing at the static share",
                    Map.of("error", String.valueOf(e.getMessage())));
            return staticShare();
        }
    }

    /** The rule, apart from reading the counts. */
    double share(int mine, long waiting, long inFlight) {
        if (waiting > 0 || mine <= 0) {
            return staticShare();
        }
        double part = (double) mine / Math.max(inFlight, mine);
        return Math.min(capacityRps, Math.max(staticShare(), capacityRps * part));
    }
}
