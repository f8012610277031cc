package dev.offerrecorder.fanout;

import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Enqueues jobs with SendMessageBatch (10 per request), up to {@code concurrency} requests in flight as a sliding
 * window, so no barrier stalls the pipe. Entries SQS reports as failed are re-sent a few times (unless SQS says
 * the fault is the sender's); a batch that still fails stops the run. The result is the end of the confirmed
 * prefix: every job before it is acknowledged by SQS, so a hand-over that resumes there skips nothing and
 * repeats nothing that was confirmed.
 *
 * <p>Job bodies are at most about 200 bytes (two 64-character IDs and a date) and the trace attributes about 300
 * more, so ten of them stay far below the SendMessageBatch payload limit (1 MiB; 256 KiB before 2025); batches are
 * therefore cut by count alone.
 */
public final class JobPublisher {
    static final int BATCH = 10;
    private static final int ATTEMPTS = 4;
    private static final long HOLD_POLL_MILLIS = 10;

    private final SqsClient sqs;
    private final String queueUrl;
    private final int concurrency;
    private final JobCodec codec = new JobCodec();
    // Platform threads, reused across invocations of a container and let go when idle: the blocking URL-connection
    // client then behaves the same on every JDK (no virtual-thread pinning questions on java21).
    private final ThreadPoolExecutor pool;

    public JobPublisher(SqsClient sqs, String queueUrl, int concurrency) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.concurrency = concurrency;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                concurrency, concurrency, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> Thread.ofPlatform()
                        .daemon()
                        .name("job-publisher-" + n.incrementAndGet())
                        .unstarted(r));
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * What a {@link #publish} call achieved.
     *
     * @param confirmedEnd position up to which (exclusive) every job is acknowledged by SQS
     * @param acknowledged jobs SQS acknowledged in this call, including any past a failed batch
     * @param failure why sending stopped early, or null when it stopped because it was done or asked to stop
     */
    public record Outcome(long confirmedEnd, long acknowledged, RuntimeException failure) {}

    /**
     * Sends jobs {@code from} (inclusive) to {@code to} (exclusive) of a numbered sequence. {@code mayContinue} is
     * asked before each batch is started; once it says no, batches in flight finish and the call returns.
     */
    public Outcome publish(long from, long to, LongFunction<Job> jobAt, BooleanSupplier mayContinue)
            throws InterruptedException {
        return publish(from, to, jobAt, mayContinue, Map.of());
    }

    /**
     * As {@link #publish(long, long, LongFunction, BooleanSupplier)}, with {@code trace} (trace-context headers
     * taken on the caller's thread) set as String attributes on every job message, so each worker continues the
     * caller's trace. The pool threads make no tracing call of their own.
     */
    public Outcome publish(
            long from, long to, LongFunction<Job> jobAt, BooleanSupplier mayContinue, Map<String, String> trace)
            throws InterruptedException {
        Map<String, MessageAttributeValue> attributes = messageAttributes(trace);
        Semaphore window = new Semaphore(concurrency);
        ConcurrentSkipListMap<Long, RuntimeException> failed = new ConcurrentSkipListMap<>();
        AtomicLong acknowledged = new AtomicLong();
        // Batches now between a failed attempt and their last one. While any is, no new batch starts: if it fails
        // for good, the hand-over resumes at it and sends everything after it again, so what is sent meanwhile
        // would only be sent twice (and cost the API a second call per job).
        AtomicInteger retrying = new AtomicInteger();
        // Batches started and not finished. A batch starts only within `concurrency` batches of the oldest of
        // them: a batch whose first attempt is slow to fail (an SDK retrying under load) would otherwise let later
        // batches run far ahead, all to be sent twice after the hand-over. So at most concurrency - 1 batches are
        // ever sent past a batch refused for good.
        ConcurrentSkipListSet<Long> unfinished = new ConcurrentSkipListSet<>();
        long next = from;
        try {
            while (next < to) {
                long start = next;
                long end = Math.min(to, start + BATCH);
                window.acquire();
                while (failed.isEmpty()
                        && (retrying.get() > 0
                                || (!unfinished.isEmpty()
                                        && start - unfinished.first() >= (long) concurrency * BATCH))) {
                    Thread.sleep(HOLD_POLL_MILLIS);
                }
                // Asked after a slot is free: waiting for one may take a while when time is short.
                if (!failed.isEmpty() || !mayContinue.getAsBoolean()) {
                    window.release();
                    break;
                }
                unfinished.add(start);
                try {
                    pool.execute(() -> {
                        // Whatever ends this task, its batch counts as sent only after SQS confirmed it: any other
                        // way out (an Error included) is the batch's failure, so the prefix stops before it.
                        try {
                            sendBatch(start, end, jobAt, attributes, retrying);
                            acknowledged.addAndGet(end - start);
                        } catch (RuntimeException e) {
                            failed.put(start, e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            failed.put(start, new IllegalStateException("interrupted while sending", e));
                        } catch (Throwable t) {
                            failed.put(
                                    start,
                                    new IllegalStateException(
                                            "sending jobs " + start + ".." + (end - 1) + " failed: " + t, t));
                        } finally {
                            unfinished.remove(start);
                            window.release();
                        }
                    });
                } catch (RuntimeException e) {
                    unfinished.remove(start);
                    window.release();
                    throw e;
                }
                next = end;
            }
        } finally {
            // Every batch started must finish before the prefix can be known.
            window.acquireUninterruptibly(concurrency);
            window.release(concurrency);
        }
        if (failed.isEmpty()) {
            return new Outcome(next, acknowledged.get(), null);
        }
        var first = failed.firstEntry();
        return new Outcome(first.getKey(), acknowledged.get(), first.getValue());
    }

    /** Sends every job in the list; throws if any could not be enqueued. */
    public void publishAll(List<Job> jobs) throws InterruptedException {
        Outcome outcome = publish(0, jobs.size(), i -> jobs.get((int) i), () -> true);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
    }

    /** Trace headers as SQS String message attributes, named as the headers (what the worker reads back). */
    static Map<String, MessageAttributeValue> messageAttributes(Map<String, String> trace) {
        Map<String, MessageAttributeValue> out = new LinkedHashMap<>();
        trace.forEach((name, value) -> out.put(
                name,
                MessageAttributeValue.builder()
                        .dataType("String")
                        .stringValue(value)
                        .build()));
        return Map.copyOf(out);
    }

    private void sendBatch(
            long start,
            long end,
            LongFunction<Job> jobAt,
            Map<String, MessageAttributeValue> attributes,
            AtomicInteger retrying)
            throws InterruptedException {
        Map<String, SendMessageBatchRequestEntry> pending = new LinkedHashMap<>();
        for (long k = start; k < end; k++) {
            String id = Long.toString(k - start);
            pending.put(
                    id,
                    SendMessageBatchRequestEntry.builder()
                            .id(id)
                            .messageBody(codec.encode(jobAt.apply(k)))
                            .messageAttributes(attributes)
                            .build());
        }
        boolean holding = false;
        try {
            for (int attempt = 1; ; attempt++) {
                SendMessageBatchResponse response;
                try {
                    response =
                            sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(new ArrayList<>(pending.values())));
                } catch (SdkException e) {
                    // The SDK already retried throttling and transient errors; a few more tries with a longer pause,
                    // but a request SQS calls malformed (4xx other than throttling) will not get better.
                    boolean callersFault = e instanceof AwsServiceException s
                            && s.statusCode() >= 400
                            && s.statusCode() < 500
                            && !s.isThrottlingException();
                    if (attempt >= ATTEMPTS || callersFault) {
                        throw new IllegalStateException(
                                "SendMessageBatch for jobs " + start + ".." + (end - 1) + " failed after " + attempt
                                        + " attempts: " + e.getMessage(),
                                e);
                    }
                    if (!holding) {
                        holding = true;
                        retrying.incrementAndGet();
                    }
                    Thread.sleep(100L << attempt);
                    continue;
                }
                response.successful().forEach(ok -> pending.remove(ok.id()));
                if (pending.isEmpty()) {
                    return;
                }
                List<BatchResultErrorEntry> errors = response.failed();
                BatchResultErrorEntry senderFault = errors.stream()
                        .filter(f -> Boolean.TRUE.equals(f.senderFault()))
                        .findFirst()
                        .orElse(null);
                if (senderFault != null || attempt >= ATTEMPTS) {
                    BatchResultErrorEntry shown =
                            senderFault != null ? senderFault : errors.isEmpty() ? null : errors.getFirst();
                    throw new IllegalStateException("SQS rejected " + pending.size() + " of jobs " + start + ".."
                            + (end - 1) + " after " + attempt + " attempts"
                            + (shown == null
                                    ? ""
                                    : ": " + shown.code() + " " + shown.message()
                                            + (senderFault != null ? " (sender fault, not retried)" : "")));
                }
                if (!holding) {
                    holding = true;
                    retrying.incrementAndGet();
                }
                Thread.sleep(50L << attempt);
            }
        } finally {
            if (holding) {
                retrying.decrementAndGet();
            }
        }
    }
}
