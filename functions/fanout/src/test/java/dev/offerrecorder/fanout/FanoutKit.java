package dev.offerrecorder.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** Drives fan-out against the embedded stack the way Lambda would, and reads back what it enqueued. */
final class FanoutKit {
    private final EmbeddedStack stack;
    private final ObjectMapper mapper = Json.newMapper();
    private final JobCodec codec = new JobCodec();

    FanoutKit(EmbeddedStack stack) {
        this.stack = stack;
    }

    String jobQueue() {
        return stack.url(stack.layout().jobQueue());
    }

    String fanoutQueue() {
        return stack.url(stack.layout().fanoutQueue());
    }

    String bucket() {
        return stack.layout().rawBucket();
    }

    /** Puts an object and returns its s3:// URI. */
    String put(String key, byte[] content) {
        stack.s3().putObject(r -> r.bucket(bucket()).key(key), RequestBody.fromBytes(content));
        return "s3://" + bucket() + "/" + key;
    }

    String put(String key, String content) {
        return put(key, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A direct invocation (sam remote invoke); returns the summary. Exceptions propagate as from Lambda. */
    JsonNode invoke(Env env, String json) throws Exception {
        return mapper.readTree(
                LambdaRunner.invokeDirect(new FanoutHandler(env), "fanout", json, Duration.ofMinutes(1)));
    }

    void purge() {
        for (String q : List.of(jobQueue(), fanoutQueue())) {
            stack.sqs().purgeQueue(r -> r.queueUrl(q));
        }
    }

    /** What draining the job queue found. */
    record Drained(long messages, Map<String, Integer> countByKey) {
        long distinct() {
            return countByKey.size();
        }

        long duplicates() {
            return messages - countByKey.size();
        }

        Set<String> runIds() {
            Set<String> out = new HashSet<>();
            countByKey.keySet().forEach(k -> out.add(k.substring(0, k.indexOf('|'))));
            return out;
        }
    }

    /**
     * Receives every job message with concurrent receivers, 10 at a time, and counts each job identity. The long
     * visibility timeout keeps a received message from coming back while the drain runs, so a job seen twice
     * was enqueued twice. The drain ends once the queue reports nothing visible or in flight besides what was
     * received, and two receives per receiver in a row came back empty, after {@code producing} turned false (the drain
     * can run while jobs are still being enqueued).
     */
    Drained drainJobs(int receivers) throws InterruptedException {
        return drainJobs(receivers, () -> false);
    }

    Drained drainJobs(int receivers, BooleanSupplier producing) throws InterruptedException {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        AtomicLong messages = new AtomicLong();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicInteger emptyInARow = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < receivers; i++) {
            threads.add(Thread.ofPlatform().name("drain-" + i).start(() -> {
                try {
                    while (emptyInARow.get() < 2 * receivers) {
                        // Long polling while jobs are still coming: an empty queue then costs one request a second
                        // per receiver, not hundreds.
                        int wait = producing.getAsBoolean() ? 1 : 0;
                        List<Message> got = stack.sqs()
                                .receiveMessage(r -> r.queueUrl(jobQueue())
                                        .maxNumberOfMessages(10)
                                        .visibilityTimeout(900)
                                        .waitTimeSeconds(wait))
                                .messages();
                        if (got.isEmpty()) {
                            if (!producing.getAsBoolean()
                                    && stack.depth(stack.layout().jobQueue()).visible() == 0) {
                                emptyInARow.incrementAndGet();
                            }
                            continue;
                        }
                        emptyInARow.set(0);
                        for (Message m : got) {
                            Job job = codec.decode(m.body());
                            counts.merge(job.key(), 1, Integer::sum);
                            messages.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("drain failed", errors.getFirst());
        }
        return new Drained(messages.get(), Map.copyOf(counts));
    }

    /** What driving the fan-out queue did. */
    record Driven(int invocations, int messages, List<String> errors) {}

    /**
     * Plays Lambda's SQS poller for the fan-out queue: {@code concurrency} pollers, each with its own handler
     * instance (its own container), take one slice message at a time (batch size 1), invoke the handler with the
     * SQS event JSON Lambda sends and a context whose remaining time counts down from {@code timeout}, and delete
     * the message unless the handler failed or listed it in batchItemFailures. Runs until the queue is empty and
     * no invocation is running; a failed invocation stops the drive (its message would only come back later).
     */
    Driven driveFanoutQueue(Env env, int concurrency, Duration timeout) throws InterruptedException {
        AtomicInteger invocations = new AtomicInteger();
        AtomicInteger messages = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        List<String> errors = new CopyOnWriteArrayList<>();
        String arn = stack.arn(fanoutQueue());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            SliceHandler handler = new SliceHandler(env);
            threads.add(Thread.ofPlatform().name("fanout-poller-" + i).start(() -> {
                int idle = 0;
                while (errors.isEmpty() && idle < 2) {
                    try {
                        // Long polling, as Lambda's pollers do: a hand-over sent meanwhile is returned at once.
                        List<Message> batch = stack.sqs()
                                .receiveMessage(r -> r.queueUrl(fanoutQueue())
                                        .maxNumberOfMessages(1)
                                        .waitTimeSeconds(1)
                                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                                        .messageAttributeNames("All"))
                                .messages();
                        if (batch.isEmpty()) {
                            // Idle only counts once nothing is queued, delayed or in flight and no invocation
                            // runs (an invocation's own message stays in flight until after its hand-over is sent).
                            idle = busy.get() == 0
                                            && stack.depth(stack.layout().fanoutQueue())
                                                            .total()
                                                    == 0
                                    ? idle + 1
                                    : 0;
                            continue;
                        }
                        idle = 0;
                        busy.incrementAndGet();
                        try {
                            invocations.incrementAndGet();
                            messages.addAndGet(batch.size());
                            Set<String> failed =
                                    invoke(handler, LambdaRunner.sqsEventJson(batch, arn, "us-east-1"), timeout);
                            List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
                            for (Message m : batch) {
                                if (failed.contains(m.messageId())) {
                                    errors.add("slice message " + m.messageId() + " reported as failed");
                                } else {
                                    done.add(DeleteMessageBatchRequestEntry.builder()
                                            .id(Integer.toString(done.size()))
                                            .receiptHandle(m.receiptHandle())
                                            .build());
                                }
                            }
                            if (!done.isEmpty()) {
                                stack.sqs().deleteMessageBatch(r -> r.queueUrl(fanoutQueue())
                                        .entries(done));
                            }
                        } finally {
                            busy.decrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.add(e.toString());
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return new Driven(invocations.get(), messages.get(), List.copyOf(errors));
    }

    private static Set<String> invoke(SliceHandler handler, String event, Duration timeout) {
        Set<String> failed = new HashSet<>();
        LambdaRunner.invokeSqs(handler, "fanout-slices", event, timeout)
                .getBatchItemFailures()
                .forEach(f -> failed.add(f.getItemIdentifier()));
        return failed;
    }
}
