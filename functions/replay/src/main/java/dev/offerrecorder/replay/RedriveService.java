package dev.offerrecorder.replay;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Replays the job DLQ through SQS redrive ({@code StartMessageMoveTask}) back to the job queue, at a rate that
 * the calculation API can take, and lists or cancels running move tasks. SQS allows one active task per queue;
 * asking for a second gets a clear refusal instead of an AWS error.
 */
public final class RedriveService {
    /** SQS's own ceiling for MaxNumberOfMessagesPerSecond. */
    public static final int SQS_MAX_RATE = 500;

    private final SqsClient sqs;
    private final String dlqUrl;
    private final String jobQueueUrl;

    public RedriveService(SqsClient sqs, String dlqUrl, String jobQueueUrl) {
        this.sqs = sqs;
        this.dlqUrl = dlqUrl;
        this.jobQueueUrl = jobQueueUrl;
    }

    public record Task(String taskHandle, String status, long moved, long toMove, Integer maxPerSecond,
                       String failureReason) {
        static Task of(ListMessageMoveTasksResultEntry e) {
            return new Task(e.taskHandle(), e.status(), e.approximateNumberOfMessagesMoved() == null ? 0
                    : e.approximateNumberOfMessagesMoved(), e.approximateNumberOfMessagesToMove() == null ? 0
                    : e.approximateNumberOfMessagesToMove(), e.maxNumberOfMessagesPerSecond(), e.failureReason());
        }
    }

    public record Started(String taskHandle, int maxPerSecond, long dlqDepth) {
    }

    /** A replay is refused while another task runs: the message says which and how far it got. */
    public static final class AlreadyRunning extends RuntimeException {
        public AlreadyRunning(Task task) {
            super("a redrive is already running on the DLQ (task " + task.taskHandle() + ", moved " + task.moved()
                    + " of " + task.toMove() + "); wait for it or cancel it first");
        }
    }

    /**
     * The replay rate from the API's capacity: a fraction (headroom) of what the API serves per second, so the
     * replayed jobs plus any live traffic stay under its limit. Clamped to SQS's 1..500.
     */
    public static int rateFor(double apiRequestsPerSecond, double headroom) {
        if (apiRequestsPerSecond <= 0 || headroom <= 0 || headroom > 1) {
            throw new IllegalArgumentException("API capacity must be > 0 and headroom in (0, 1]");
        }
        return (int) Math.max(1, Math.min(SQS_MAX_RATE, Math.floor(apiRequestsPerSecond * headroom)));
    }

    public Started start(int maxPerSecond) {
        if (maxPerSecond < 1 || maxPerSecond > SQS_MAX_RATE) {
            throw new IllegalArgumentException("maxPerSecond must be 1.." + SQS_MAX_RATE + ", got " + maxPerSecond);
        }
        Optional<Task> running = running();
        if (running.isPresent()) {
            throw new AlreadyRunning(running.get());
        }
        long depth = dlqDepth();
        String handle = sqs.startMessageMoveTask(r -> r.sourceArn(arn(dlqUrl)).destinationArn(arn(jobQueueUrl))
                .maxNumberOfMessagesPerSecond(maxPerSecond)).taskHandle();
        return new Started(handle, maxPerSecond, depth);
    }

    public List<Task> list() {
        return sqs.listMessageMoveTasks(r -> r.sourceArn(arn(dlqUrl)).maxResults(10)).results().stream()
                .map(Task::of).toList();
    }

    public Optional<Task> running() {
        return list().stream().filter(t -> "RUNNING".equals(t.status())).findFirst();
    }

    public void cancel(String taskHandle) {
        sqs.cancelMessageMoveTask(r -> r.taskHandle(taskHandle));
    }

    public long dlqDepth() {
        return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private String arn(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
