package dev.offerrecorder.testkit.aws;

import java.time.Duration;

/**
 * The queues and buckets template.yaml declares, with the settings the local stack gives them. Visibility
 * timeouts are short locally so redelivery and the redrive policy play out in seconds instead of minutes; the
 * fan-out queue's stays longer than the local fan-out timeout (15 min), or a long slice would be delivered twice.
 */
public record StackLayout(
        String prefix,
        int maxReceiveCount,
        Duration jobVisibility,
        Duration fanoutVisibility,
        Duration transformVisibility) {

    public static StackLayout local() {
        return new StackLayout(
                "offer-recorder", 3, Duration.ofSeconds(20), Duration.ofMinutes(16), Duration.ofSeconds(30));
    }

    public StackLayout withPrefix(String newPrefix) {
        return new StackLayout(newPrefix, maxReceiveCount, jobVisibility, fanoutVisibility, transformVisibility);
    }

    public StackLayout withMaxReceiveCount(int count) {
        return new StackLayout(prefix, count, jobVisibility, fanoutVisibility, transformVisibility);
    }

    public StackLayout withJobVisibility(Duration visibility) {
        return new StackLayout(prefix, maxReceiveCount, visibility, fanoutVisibility, transformVisibility);
    }

    public String jobQueue() {
        return prefix + "-jobs";
    }

    public String jobDlq() {
        return prefix + "-jobs-dlq";
    }

    public String fanoutQueue() {
        return prefix + "-fanout";
    }

    public String fanoutDlq() {
        return prefix + "-fanout-dlq";
    }

    public String transformQueue() {
        return prefix + "-transform";
    }

    public String transformDlq() {
        return prefix + "-transform-dlq";
    }

    public String rawBucket() {
        return prefix + "-raw";
    }

    public String platformBucket() {
        return prefix + "-platform";
    }
}
