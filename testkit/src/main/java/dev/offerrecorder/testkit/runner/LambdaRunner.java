package dev.offerrecorder.testkit.runner;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Drives handlers the way Lambda does. For each SQS event source it runs MaximumConcurrency pollers, each with
 * its own handler instance; a poller gathers up to the batch size within the batching window, builds the event
 * JSON Lambda would send, turns it into {@link SQSEvent} with the runtime's own serializer, invokes the
 * handler, and deletes only what the handler did not report in {@code batchItemFailures}. While an invocation
 * runs, its poller already gathers the next batch (one ahead, as Lambda's pollers do). A handler that throws
 * gets nothing deleted. Failed messages reappear after the visibility timeout, and the queue's redrive policy
 * moves them to the DLQ after maxReceiveCount, as in AWS.
 *
 * <p>{@link #setInvocationFaults} makes chosen invocations fail the way containers and SQS do in production
 * (a crash before or after the handler's work, a batch delivered twice), for the fault-injection tests and the
 * soak run.
 */
public final class LambdaRunner implements AutoCloseable {

    private final SqsClient sqs;
    private final String region;
    private final PojoSerializer<SQSEvent> sqsEvents =
            LambdaEventSerializers.serializerFor(SQSEvent.class, LambdaRunner.class.getClassLoader());
    private final List<Thread> threads = new ArrayList<>();
    private final java.util.Set<Thread> deletes = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong handlerErrors = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final Map<String, AtomicLong> invocationsPerFunction = new ConcurrentHashMap<>();
    private final Map<InvocationFaults.Action, AtomicLong> faultsApplied = new ConcurrentHashMap<>();
    private volatile InvocationFaults faults = InvocationFaults.none();

    public LambdaRunner(SqsClient sqs, String region) {
        this.sqs = sqs;
        this.region = region;
    }

    /**
     * Starts the source's pollers. Refuses a queue whose visibility timeout is below {@value
     * StackLayout#VISIBILITY_PER_TIMEOUT}x the function's timeout, the rule template.yaml follows: below it, a batch still being
     * worked on becomes visible again and is delivered twice.
     */
    public void start(SqsEventSource source) {
        long visibilitySeconds = Long.parseLong(sqs.getQueueAttributes(
                        r -> r.queueUrl(source.queueUrl()).attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT))
                .attributes()
                .get(QueueAttributeName.VISIBILITY_TIMEOUT));
        if (visibilitySeconds * 1000
                < StackLayout.VISIBILITY_PER_TIMEOUT * source.timeout().toMillis()) {
            throw new IllegalStateException("queue " + source.queueUrl() + " has a visibility timeout of "
                    + visibilitySeconds + " s, below " + StackLayout.VISIBILITY_PER_TIMEOUT + "x "
                    + source.functionName()
                    + "'s timeout of " + source.timeout() + " (template.yaml's rule for every SQS event source)");
        }
        for (int i = 0; i < source.maximumConcurrency(); i++) {
            // A second container for duplicate deliveries, built only if a fault plan asks for one.
            Supplier<Object> twin = memoize(source.handlerFactory());
            Thread t = Thread.ofPlatform()
                    .daemon()
                    .name(source.functionName() + "-" + i)
                    .start(() -> poll(source, twin));
            threads.add(t);
        }
    }

    /** From now on, SQS-triggered invocations go through this plan ({@link InvocationFaults#none()} to stop). */
    public void setInvocationFaults(InvocationFaults plan) {
        this.faults = plan;
    }

    /** How many invocations each fault action was applied to so far (RUN is not counted). */
    public Map<InvocationFaults.Action, Long> faultsApplied() {
        Map<InvocationFaults.Action, Long> out = new EnumMap<>(InvocationFaults.Action.class);
        faultsApplied.forEach((a, n) -> out.put(a, n.get()));
        return out;
    }

    private static Supplier<Object> memoize(Supplier<Object> factory) {
        return new Supplier<>() {
            private Object instance;

            @Override
            public synchronized Object get() {
                if (instance == null) {
                    instance = factory.get();
                }
                return instance;
            }
        };
    }

    /** Adds a background loop (such as the S3 notification bridge) stopped with the runner. */
    public void startLoop(String name, Runnable body, Duration every) {
        threads.add(Thread.ofPlatform().daemon().name(name).start(() -> {
            while (running.get()) {
                try {
                    body.run();
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    if (running.get()) {
                        System.err.println(name + ": " + e);
                    }
                }
            }
        }));
    }

    /** True when no invocation is running right now and no poller holds a received batch. */
    public boolean idle() {
        return inFlight.get() == 0;
    }

    public long invocations() {
        return invocations.get();
    }

    public long handlerErrors() {
        return handlerErrors.get();
    }

    /** Invokes a stream handler directly, as {@code aws lambda invoke} / {@code sam remote invoke} would. */
    public static String invokeDirect(RequestStreamHandler handler, String functionName, String json, Duration timeout)
            throws Exception {
        var out = new ByteArrayOutputStream();
        handler.handleRequest(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                out,
                new LocalContext(functionName, timeout.toMillis(), 512));
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Invokes a typed SQS handler with an event given as the JSON Lambda's poller sends (see {@link #sqsEventJson}),
     * turned into {@link SQSEvent} by the runtime's own serializer, as Lambda would.
     */
    public static SQSBatchResponse invokeSqs(
            RequestHandler<SQSEvent, SQSBatchResponse> handler,
            String functionName,
            String eventJson,
            Duration timeout) {
        SQSEvent event = LambdaEventSerializers.serializerFor(SQSEvent.class, LambdaRunner.class.getClassLoader())
                .fromJson(eventJson);
        return handler.handleRequest(event, new LocalContext(functionName, timeout.toMillis(), 1024));
    }

    /**
     * One container's poller. As Lambda's event source pollers gather batches independently of function instances,
     * the next batch is received on a virtual thread while the current invocation runs, at most one batch ahead;
     * its messages are in flight, their visibility clock running, from the moment they are received. A batch can
     * thus wait one whole invocation (up to the timeout) before its own starts: one reason for the 6x rule.
     */
    private void poll(SqsEventSource source, Supplier<Object> twin) {
        Object handler = source.handlerFactory().get();
        FutureTask<List<Message>> ahead = null;
        try {
            while (running.get()) {
                try {
                    List<Message> batch;
                    if (ahead != null) {
                        FutureTask<List<Message>> gathered = ahead;
                        ahead = null;
                        batch = await(gathered);
                    } else {
                        batch = receiveBatch(source);
                    }
                    if (batch.isEmpty()) {
                        continue;
                    }
                    try {
                        ahead = new FutureTask<>(() -> receiveBatch(source));
                        Thread.ofVirtual()
                                .name(source.functionName() + "-prefetch")
                                .start(ahead);
                        if (invoke(source, handler, twin, batch) == Container.GONE) {
                            // Lambda replaces a container whose invocation timed out. The batch gathered meanwhile
                            // belongs to the poller, not to the dead container: it is invoked on the replacement,
                            // as AWS's poller hands it to whichever instance is free (it does not wait for the
                            // messages' visibility to run out).
                            handler = source.handlerFactory().get();
                        }
                    } finally {
                        inFlight.decrementAndGet();
                    }
                } catch (RuntimeException e) {
                    if (running.get()) {
                        System.err.println(source.functionName() + " poller: " + e);
                        sleepQuietly(200);
                    }
                }
            }
        } finally {
            // Stopping: a batch gathered ahead is never invoked; its messages come back after their visibility
            // timeout. Wait for its receive so no request outlives the runner.
            if (ahead != null) {
                try {
                    if (!await(ahead).isEmpty()) {
                        inFlight.decrementAndGet();
                    }
                } catch (RuntimeException e) {
                    // stopping anyway
                }
            }
        }
    }

    /** The batch a prefetch gathered (empty if this thread is interrupted); its receive errors as they were. */
    private static List<Message> await(FutureTask<List<Message>> gathered) {
        try {
            return gathered.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private List<Message> receiveBatch(SqsEventSource source) {
        List<Message> batch = new ArrayList<>();
        long windowEnd = System.nanoTime() + source.batchingWindow().toNanos();
        do {
            int want = Math.min(10, source.batchSize() - batch.size());
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(source.queueUrl())
                            .maxNumberOfMessages(want)
                            .waitTimeSeconds(batch.isEmpty() ? 1 : 0)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                            .messageAttributeNames("All"))
                    .messages();
            batch.addAll(got);
            if (got.isEmpty() && (!batch.isEmpty() || !running.get())) {
                break;
            }
        } while (running.get() && batch.size() < source.batchSize() && System.nanoTime() < windowEnd);
        if (!batch.isEmpty()) {
            // Busy from receipt until its invocation ended (see idle()).
            inFlight.incrementAndGet();
        }
        return batch;
    }

    private enum Container {
        KEPT,
        GONE
    }

    private Container invoke(SqsEventSource source, Object handler, Supplier<Object> twin, List<Message> batch) {
        String eventJson = eventJson(source, batch);
        invocations.incrementAndGet();
        long n = invocationsPerFunction
                .computeIfAbsent(source.functionName(), k -> new AtomicLong())
                .incrementAndGet();
        InvocationFaults.Action action = faults.decide(source.functionName(), n);
        if (action != InvocationFaults.Action.RUN) {
            faultsApplied.computeIfAbsent(action, k -> new AtomicLong()).incrementAndGet();
        }
        Set<String> failed;
        switch (action) {
            case CRASH_BEFORE_HANDLER -> {
                // As a container that died: no work, no deletes; the batch reappears after its visibility timeout.
                return Container.KEPT;
            }
            case DELIVER_TWICE -> {
                // Both deliveries run at once, each on its own handler instance, as on two containers. A message is
                // gone once either of them succeeded with it; the other delivery's failure changes nothing.
                try (var both = Executors.newVirtualThreadPerTaskExecutor()) {
                    Future<Set<String>> first = both.submit(() -> runHandler(source, handler, eventJson));
                    Future<Set<String>> second = both.submit(() -> runHandler(source, twin.get(), eventJson));
                    Set<String> a = failedOrAll(first, batch);
                    Set<String> b = failedOrAll(second, batch);
                    failed = new HashSet<>(a);
                    failed.retainAll(b);
                }
            }
            default -> {
                try {
                    failed = runHandler(source, handler, eventJson);
                } catch (TimeoutException e) {
                    return Container.GONE;
                }
                if (failed == null) {
                    return Container.KEPT;
                }
                if (action == InvocationFaults.Action.CRASH_AFTER_HANDLER) {
                    // The work is done but the poller never hears of it: nothing is deleted.
                    return Container.KEPT;
                }
            }
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message m : batch) {
            if (!failed.contains(m.messageId())) {
                done.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(done.size()))
                        .receiptHandle(m.receiptHandle())
                        .build());
            }
        }
        // The poller deletes what succeeded while the instance takes its next batch, as Lambda's does: an
        // instance is free as soon as its handler returns. Busy (idle() false) until the deletes are done.
        inFlight.incrementAndGet();
        deletes.add(Thread.ofVirtual().name(source.functionName() + "-delete").start(() -> {
            try {
                for (int i = 0; i < done.size(); i += 10) {
                    List<DeleteMessageBatchRequestEntry> chunk = done.subList(i, Math.min(done.size(), i + 10));
                    sqs.deleteMessageBatch(r -> r.queueUrl(source.queueUrl()).entries(chunk));
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    System.err.println(source.functionName() + " delete: " + e);
                }
            } finally {
                inFlight.decrementAndGet();
                deletes.remove(Thread.currentThread());
            }
        }));
        return Container.KEPT;
    }

    private static Set<String> failedOrAll(Future<Set<String>> delivery, List<Message> batch) {
        Set<String> failed;
        try {
            failed = delivery.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed = null;
        } catch (ExecutionException e) {
            failed = null;
        }
        if (failed != null) {
            return failed;
        }
        Set<String> all = new HashSet<>();
        batch.forEach(m -> all.add(m.messageId()));
        return all;
    }

    /**
     * Runs one handler on the event; returns the message IDs it reported failed, or null when it threw (as in
     * Lambda, the whole batch then returns to the queue after its visibility timeout). A handler still running at
     * the function's timeout is stopped (interrupted, and never heard from again) and {@link TimeoutException} is
     * thrown: Lambda ends such an invocation with an error, returns the batch, and replaces the container.
     */
    private Set<String> runHandler(SqsEventSource source, Object handler, String eventJson) throws TimeoutException {
        LocalContext context =
                new LocalContext(source.functionName(), source.timeout().toMillis(), 1024);
        FutureTask<Set<String>> invocation = new FutureTask<>(() -> call(handler, eventJson, context));
        Thread thread = Thread.ofPlatform()
                .daemon()
                .name(source.functionName() + "-invocation")
                .start(invocation);
        try {
            return invocation.get(source.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            thread.interrupt();
            timeouts.incrementAndGet();
            handlerErrors.incrementAndGet();
            System.err.printf(
                    Locale.ROOT,
                    "%s: Task timed out after %.2f seconds%n",
                    source.functionName(),
                    source.timeout().toMillis() / 1000.0);
            throw e;
        } catch (ExecutionException e) {
            handlerErrors.incrementAndGet();
            System.err.println(source.functionName() + " invocation failed: " + e.getCause());
            return null;
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Set<String> call(Object handler, String eventJson, LocalContext context) throws Exception {
        Set<String> failed = new HashSet<>();
        if (handler instanceof RequestStreamHandler stream) {
            var out = new ByteArrayOutputStream();
            stream.handleRequest(new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out, context);
        } else if (handler instanceof RequestHandler<?, ?> typed) {
            @SuppressWarnings("unchecked")
            RequestHandler<SQSEvent, Object> h = (RequestHandler<SQSEvent, Object>) typed;
            Object response = h.handleRequest(sqsEvents.fromJson(eventJson), context);
            if (response instanceof SQSBatchResponse r && r.getBatchItemFailures() != null) {
                r.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
            }
        } else {
            throw new IllegalArgumentException("not a Lambda handler: " + handler.getClass());
        }
        return failed;
    }

    /** Invocations stopped at the function's timeout so far. */
    public long timeouts() {
        return timeouts.get();
    }

    private String eventJson(SqsEventSource source, List<Message> batch) {
        return sqsEventJson(batch, source.queueArn(), region);
    }

    /**
     * The event JSON Lambda's SQS poller sends, record for record, for messages received with all attributes
     * (public for tests that invoke a handler by hand).
     */
    public static String sqsEventJson(List<Message> batch, String queueArn, String region) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode records = root.putArray("Records");
        for (Message m : batch) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId());
            r.put("receiptHandle", m.receiptHandle());
            r.put("body", m.body());
            ObjectNode attributes = r.putObject("attributes");
            m.attributesAsStrings().forEach(attributes::put);
            ObjectNode messageAttributes = r.putObject("messageAttributes");
            m.messageAttributes().forEach((name, value) -> {
                ObjectNode a = messageAttributes.putObject(name);
                a.put("stringValue", value.stringValue());
                a.putArray("stringListValues");
                a.putArray("binaryListValues");
                a.put("dataType", value.dataType());
            });
            r.put("md5OfBody", m.md5OfBody());
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", queueArn);
            r.put("awsRegion", region);
        }
        return root.toString();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        try {
            for (Thread t : threads) {
                t.join(5_000);
            }
            for (Thread t : List.copyOf(deletes)) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
