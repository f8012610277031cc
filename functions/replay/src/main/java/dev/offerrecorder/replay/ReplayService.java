package dev.offerrecorder.replay;

import dev.offerrecorder.shared.failure.FailureNotes;
import dev.offerrecorder.shared.failure.JobFailure;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.request.BadRequestException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.UnsupportedOperationException;

/**
 * Replays the job DLQ through SQS redrive ({@code StartMessageMoveTask}) back to the job queue, at a rate that
 * the calculation API can take; lists and cancels move tasks; and shows what the DLQ holds without consuming it.
 * SQS allows one active task per queue: asking for a second gets a refusal that names the running task. The peek
 * groups parked jobs by the last failure the worker noted for each ({@link FailureNotes}), e.g. "api auth failure:
 * HTTP 401 from the API", or by receive count where there is no note.
 */
public final class ReplayService {
    /** SQS's own ceiling for MaxNumberOfMessagesPerSecond. */
    public static final int SQS_MAX_RATE = 500;

    public static final int MAX_SAMPLE = 1000;
    /** How long peeked messages stay hidden at most, should the peek die before handing them back. */
    static final int PEEK_VISIBILITY_SECONDS = 30;

    static final int SAMPLES_PER_REASON = 3;
    private static final int BODY_EXCERPT = 120;

    private final SqsClient sqs;
    private final String dlqUrl;
    private final String jobQueueUrl;
    private final Clock clock;
    private final JobCodec jobs = new JobCodec();
    private final Function<Job, Optional<FailureNotes.Note>> notes;
    private volatile String dlqArn;
    private volatile String jobQueueArn;

    public ReplayService(SqsClient sqs, String dlqUrl, String jobQueueUrl) {
        this(sqs, dlqUrl, jobQueueUrl, Clock.systemUTC());
    }

    public ReplayService(SqsClient sqs, String dlqUrl, String jobQueueUrl, Clock clock) {
        this(sqs, dlqUrl, jobQueueUrl, clock, job -> Optional.empty());
    }

    /**
     * @param notes a parked job's last failure as the worker left it ({@link FailureNotes}), read for each valid
     *              job the peek samples; empty when there is none
     */
    public ReplayService(
            SqsClient sqs,
            String dlqUrl,
            String jobQueueUrl,
            Clock clock,
            Function<Job, Optional<FailureNotes.Note>> notes) {
        this.notes = notes;
        this.sqs = sqs;
        this.dlqUrl = dlqUrl;
        this.jobQueueUrl = jobQueueUrl;
        this.clock = clock;
    }

    /** A move task as ListMessageMoveTasks reports it (counts are approximate, as SQS says). */
    public record Task(
            String taskHandle,
            String status,
            long moved,
            long toMove,
            Integer maxPerSecond,
            String failureReason,
            Instant startedAt) {
        static Task of(ListMessageMoveTasksResultEntry e) {
            return new Task(
                    e.taskHandle(),
                    e.status(),
                    e.approximateNumberOfMessagesMoved() == null ? 0 : e.approximateNumberOfMessagesMoved(),
                    e.approximateNumberOfMessagesToMove() == null ? 0 : e.approximateNumberOfMessagesToMove(),
                    e.maxNumberOfMessagesPerSecond(),
                    e.failureReason(),
                    e.startedTimestamp() == null ? null : Instant.ofEpochMilli(e.startedTimestamp()));
        }

        public boolean active() {
            return "RUNNING".equals(status) || "CANCELLING".equals(status);
        }
    }

    /**
     * What a start request came to.
     *
     * @param dlqMessages messages in the DLQ (visible and in flight) when the task started
     * @param running     for REFUSED: the task that is already running
     */
    public record StartResult(
            Status status, String taskHandle, Integer maxPerSecond, long dlqMessages, Task running, String message) {
        public enum Status {
            STARTED,
            REFUSED,
            NOTHING_TO_MOVE
        }

        static StartResult started(String handle, int rate, long depth) {
            return new StartResult(
                    Status.STARTED,
                    handle,
                    rate,
                    depth,
                    null,
                    "replay started: about " + depth + " messages back to the job queue at most " + rate + "/s (task "
                            + handle + ")");
        }

        static StartResult refused(Task task) {
            return new StartResult(
                    Status.REFUSED,
                    null,
                    null,
                    task.toMove(),
                    task,
                    "a replay is already running"
                            + " on the job DLQ (task " + task.taskHandle() + ", moved " + task.moved() + " of "
                            + task.toMove() + " at " + task.maxPerSecond() + "/s); wait for it or cancel it first");
        }
    }

    /**
     * Reads a job's failure note from the raw bucket: one GET per sampled job, a missing or unreadable note is
     * simply none (the peek then shows the receive count only).
     */
    public static Function<Job, Optional<FailureNotes.Note>> notesIn(S3Client s3, String bucket) {
        return job -> {
            try {
                return FailureNotes.decode(
                        s3.getObjectAsBytes(r -> r.bucket(bucket).key(FailureNotes.key(job)))
                                .asByteArray());
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        };
    }

    /** A few messages of one failure reason, with how many of the sample share it. */
    public record ReasonGroup(String reason, int count, List<Sample> samples) {}

    /**
     * One peeked message.
     *
     * @param job          "run/shop/date" for a valid job, else an excerpt of the body
     * @param receiveCount receives before this peek (failed deliveries from the job queue plus earlier peeks)
     */
    public record Sample(String messageId, String job, int receiveCount, Instant sentAt) {}

    /**
     * What the DLQ holds: its depth, and a sample grouped by failure reason. The oldest age is the oldest
     * message in the sample; it covers the whole DLQ when {@code sampled >= visible}.
     */
    public record DlqPeek(
            long visible,
            long inFlight,
            int sampled,
            Instant oldestSentAt,
            Long oldestAgeSeconds,
            List<ReasonGroup> reasons) {}

    /**
     * The replay rate from the API's capacity: a fraction (headroom) of what the API serves per second, so the
     * replayed jobs plus any live traffic stay under its limit. Clamped to SQS's 1..500.
     */
    public static int rateFor(double apiRequestsPerSecond, double headroom) {
        if (!(apiRequestsPerSecond > 0) || !(headroom > 0) || headroom > 1) {
            throw new IllegalArgumentException("API capacity must be > 0 and headroom in (0, 1], got "
                    + apiRequestsPerSecond + " and " + headroom);
        }
        return (int) Math.max(1, Math.min(SQS_MAX_RATE, Math.floor(apiRequestsPerSecond * headroom)));
    }

    /** Starts a move task unless one is running (REFUSED) or the DLQ is empty (NOTHING_TO_MOVE). */
    public StartResult start(int maxPerSecond) {
        if (maxPerSecond < 1 || maxPerSecond > SQS_MAX_RATE) {
            throw new BadRequestException("maxPerSecond must be 1.." + SQS_MAX_RATE + ", got " + maxPerSecond);
        }
        Optional<Task> running = running();
        if (running.isPresent()) {
            return StartResult.refused(running.get());
        }
        Depth depth = depth();
        if (depth.total() == 0) {
            return new StartResult(
                    StartResult.Status.NOTHING_TO_MOVE,
                    null,
                    maxPerSecond,
                    0,
                    null,
                    "the job DLQ is empty: nothing to replay");
        }
        try {
            String handle = sqs.startMessageMoveTask(r -> r.sourceArn(dlqArn())
                            .destinationArn(jobQueueArn())
                            .maxNumberOfMessagesPerSecond(maxPerSecond))
                    .taskHandle();
            return StartResult.started(handle, maxPerSecond, depth.total());
        } catch (UnsupportedOperationException e) {
            // Another caller started a task between our check and our start: SQS refuses the second one.
            return running().map(StartResult::refused).orElseThrow(() -> e);
        }
    }

    /** The DLQ's move tasks, newest first, as SQS keeps them (it forgets them after a while). */
    public List<Task> list() {
        return sqs.listMessageMoveTasks(r -> r.sourceArn(dlqArn()).maxResults(10)).results().stream()
                .map(Task::of)
                .toList();
    }

    public Optional<Task> running() {
        return list().stream().filter(Task::active).findFirst();
    }

    public void cancel(String taskHandle) {
        sqs.cancelMessageMoveTask(r -> r.taskHandle(taskHandle));
    }

    /** Cancels the running task, if there is one; moved messages stay moved. */
    public Optional<Task> cancelRunning() {
        Optional<Task> running = running().filter(t -> "RUNNING".equals(t.status()));
        running.ifPresent(t -> cancel(t.taskHandle()));
        return running;
    }

    /**
     * Receives up to {@code sampleSize} DLQ messages with a short visibility timeout, then makes every one of them
     * visible again: nothing is consumed, but each peek adds one to the messages' receive counts.
     */
    public DlqPeek peek(int sampleSize) {
        if (sampleSize < 0 || sampleSize > MAX_SAMPLE) {
            throw new BadRequestException("sample must be 0.." + MAX_SAMPLE + ", got " + sampleSize);
        }
        Depth depth = depth();
        List<Message> seen = new ArrayList<>();
        try {
            while (seen.size() < sampleSize) {
                int want = Math.min(10, sampleSize - seen.size());
                // Long polling (1 s) asks every SQS server, so a short DLQ is sampled whole, not a random subset.
                List<Message> got = sqs.receiveMessage(r -> r.queueUrl(dlqUrl)
                                .maxNumberOfMessages(want)
                                .visibilityTimeout(PEEK_VISIBILITY_SECONDS)
                                .waitTimeSeconds(1)
                                .messageSystemAttributeNames(
                                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                        MessageSystemAttributeName.SENT_TIMESTAMP))
                        .messages();
                if (got.isEmpty()) {
                    break;
                }
                seen.addAll(got);
            }
        } finally {
            release(seen);
        }
        return summarize(depth, seen);
    }

    private DlqPeek summarize(Depth depth, List<Message> messages) {
        Map<String, List<Sample>> byReason = new LinkedHashMap<>();
        Instant oldest = null;
        for (Message m : messages) {
            // This peek's own receive is not a failure: report what came before it.
            int receives =
                    (int) Math.max(0, longAttribute(m, MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT) - 1);
            long sentMillis = longAttribute(m, MessageSystemAttributeName.SENT_TIMESTAMP);
            Instant sent = sentMillis > 0 ? Instant.ofEpochMilli(sentMillis) : null;
            if (sent != null && (oldest == null || sent.isBefore(oldest))) {
                oldest = sent;
            }
            String reason;
            String what;
            try {
                Job job = jobs.decode(m.body());
                reason = notes.apply(job)
                        .map(n -> n.failure().summary())
                        .orElse("valid job, failed after " + receives + (receives == 1 ? " receive" : " receives"));
                what = job.runId() + "/" + job.shopId() + "/" + job.date();
            } catch (InvalidJobException e) {
                reason = new JobFailure(JobFailure.Kind.INVALID_MESSAGE, e.getMessage()).summary();
                what = excerpt(m.body());
            }
            byReason.computeIfAbsent(reason, k -> new ArrayList<>())
                    .add(new Sample(m.messageId(), what, receives, sent));
        }
        List<ReasonGroup> groups = byReason.entrySet().stream()
                .map(e -> new ReasonGroup(
                        e.getKey(),
                        e.getValue().size(),
                        List.copyOf(e.getValue()
                                .subList(
                                        0,
                                        Math.min(
                                                SAMPLES_PER_REASON, e.getValue().size())))))
                .sorted(Comparator.comparingInt(ReasonGroup::count).reversed().thenComparing(ReasonGroup::reason))
                .toList();
        Long age = oldest == null
                ? null
                : Math.max(0, Duration.between(oldest, clock.instant()).toSeconds());
        return new DlqPeek(depth.visible(), depth.inFlight(), messages.size(), oldest, age, groups);
    }

    private void release(List<Message> messages) {
        for (int i = 0; i < messages.size(); i += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (Message m : messages.subList(i, Math.min(messages.size(), i + 10))) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .receiptHandle(m.receiptHandle())
                        .visibilityTimeout(0)
                        .build());
            }
            var failed = sqs.changeMessageVisibilityBatch(
                            r -> r.queueUrl(dlqUrl).entries(entries))
                    .failed();
            if (!failed.isEmpty()) {
                throw new IllegalStateException(failed.size() + " peeked DLQ messages could not be made visible again"
                        + " (" + failed.getFirst().message() + "); they reappear after "
                        + PEEK_VISIBILITY_SECONDS + " s");
            }
        }
    }

    private record Depth(long visible, long inFlight) {
        long total() {
            return visible + inFlight;
        }
    }

    private Depth depth() {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl)
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return new Depth(
                Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")),
                Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0")));
    }

    private static long longAttribute(Message m, MessageSystemAttributeName name) {
        String value = m.attributes().get(name);
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String flat = body.replaceAll("\\p{Cntrl}", " ");
        return flat.length() <= BODY_EXCERPT ? flat : flat.substring(0, BODY_EXCERPT) + "...";
    }

    private String dlqArn() {
        if (dlqArn == null) {
            dlqArn = arn(dlqUrl);
        }
        return dlqArn;
    }

    private String jobQueueArn() {
        if (jobQueueArn == null) {
            jobQueueArn = arn(jobQueueUrl);
        }
        return jobQueueArn;
    }

    private String arn(String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }
}
