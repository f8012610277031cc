package dev.offerrecorder.fanout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.shared.run.RunManifest;
import dev.offerrecorder.shared.snapstart.Priming;
import dev.offerrecorder.shared.trace.BatchParent;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.TraceHeaders;
import dev.offerrecorder.shared.trace.Tracing;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Plans a run and enqueues its jobs. Small runs are enqueued in the invocation that asked; large ones are cut
 * into slices (date range x shop range) sent to the fan-out queue, where parallel invocations take them. A
 * slice running out of time sends itself on with the end of its confirmed prefix as cursor, so any size
 * completes with no job enqueued twice by a hand-over and none skipped.
 *
 * <p>Tracing: job and slice messages carry the trace context of the segment that sent them as message attributes,
 * a slice batch continues the trace of its first message that carries one, and every invocation ends with one
 * {@value #EVENT_TYPE} event per plan or slice.
 */
public final class FanoutService {
    /** Upper bound on slices per run: slices grow beyond SLICE_MAX_JOBS rather than the start call sending more. */
    static final int MAX_SLICES = 2_000;
    /** Hand-overs in a row after SQS refused jobs, before the slice is left to SQS retries and the DLQ. */
    static final int MAX_FAILURES_IN_A_ROW = 3;
    /** Per SendMessageBatch of slices: the pre-2025 limit, which every SQS (and ElasticMQ) accepts. */
    static final int MAX_SLICE_BATCH_BYTES = 256 * 1024;

    static final int BAD_ROWS_IN_SUMMARY = 20;
    /** SQS's default MessageRetentionPeriod (4 days), for a queue that does not report one. */
    static final long DEFAULT_SQS_RETENTION_SECONDS = 345_600;
    /** SQS's longest MessageRetentionPeriod (14 days). */
    static final long MAX_SQS_RETENTION_SECONDS = 1_209_600;

    public static final String EVENT_TYPE = "OfferRecorderFanout";

    private final FanoutConfig config;
    private final JobPublisher publisher;
    private final SqsClient sqs;
    private final ManifestReader manifests;
    private final RequestParser parser;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log;
    private final Tracing tracing;
    private final Clock clock;
    private final Optional<PlanStore> plans;
    private volatile Long jobQueueRetention;

    /** Where a run's plan goes: {@link RunManifest#key} in the recording bucket. */
    record PlanStore(S3Client s3, String bucket) {}

    public FanoutService(FanoutConfig config, SqsClient sqs, ManifestReader manifests, Clock clock, JsonLog log) {
        this(config, sqs, manifests, clock, log, new NewRelicTracing());
    }

    public FanoutService(
            FanoutConfig config, SqsClient sqs, ManifestReader manifests, Clock clock, JsonLog log, Tracing tracing) {
        this(config, sqs, manifests, clock, log, tracing, Optional.empty());
    }

    /** @param plans where a direct invocation stores its run's plan; empty for the slice function, which plans none */
    FanoutService(
            FanoutConfig config,
            SqsClient sqs,
            ManifestReader manifests,
            Clock clock,
            JsonLog log,
            Tracing tracing,
            Optional<PlanStore> plans) {
        this.config = config;
        this.clock = clock;
        this.plans = plans;
        this.tracing = tracing;
        this.sqs = sqs;
        this.publisher = new JobPublisher(sqs, config.jobQueueUrl(), config.sendConcurrency());
        this.manifests = manifests;
        this.parser = new RequestParser(config, manifests, clock);
        this.log = log;
    }

    /**
     * A builder of the service from the function's environment, shared by both of the jar's handlers.
     *
     * @param planBucket the recording bucket a direct invocation stores its plan in; empty for the slice function
     */
    static FanoutService create(Env env, Tracing tracing, JsonLog log, Optional<String> planBucket) {
        FanoutConfig config = FanoutConfig.from(env);
        S3Client s3 = AwsClients.s3(env);
        return new FanoutService(
                config,
                AwsClients.sqs(env),
                new ManifestReader(s3, tracing),
                Clock.systemUTC(),
                log,
                tracing,
                planBucket.map(b -> new PlanStore(s3, b)));
    }

    /** One slice message as the SQS event delivers it: its ID, body and String message attributes. */
    public record SliceMessage(String messageId, String body, Map<String, String> attributes) {}

    /** What a batch of slice messages did: a summary per slice run, and the messages to retry. */
    public record SliceRun(List<FanoutSummary> summaries, List<String> failedMessageIds) {}

    /**
     * Handles a direct invocation: a schedule or a backfill request. An SQS batch of slice messages is refused
     * with a message naming {@link SliceHandler}, which the fan-out queue's event source invokes.
     */
    public FanoutSummary handle(JsonNode input, LongSupplier remainingMillis) throws InterruptedException {
        FanoutSummary summary =
                switch (RequestParser.classify(input)) {
                    case SCHEDULE -> start(parser.schedule(input), input, remainingMillis);
                    case BACKFILL -> start(parser.backfill(input), input, remainingMillis);
                };
        report(List.of(summary), null);
        return summary;
    }

    /** Runs a batch of slice messages (the fan-out queue's event source); only failed messages are retried. */
    public SliceRun runSlices(List<SliceMessage> messages, LongSupplier remainingMillis) throws InterruptedException {
        SliceRun run = runSliceMessages(messages, remainingMillis);
        report(run.summaries(), run.failedMessageIds().size());
        return run;
    }

    /**
     * SnapStart priming shared by the jar's handlers: the calls they make (read a shop list and a run plan, write
     * a plan, send a job batch) run through the SDK's real request path on throwaway clients answering canned
     * replies (see {@link Priming#primeS3}); nothing is sent.
     */
    static void prime(dev.offerrecorder.shared.config.Env env) {
        Priming.primeShared();
        Priming.primeS3(env, "shop_id\n1\n", s3 -> {
            s3.getObjectAsBytes(r -> r.bucket("prime").key("shops/prime.csv"));
            s3.putObject(
                    r -> r.bucket("prime").key("runs/prime.json"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("{}"));
        });
        dev.offerrecorder.shared.snapstart.SqsPriming.primeSqs(
                env,
                "{\"Successful\":[],\"Failed\":[]}",
                sqs -> sqs.sendMessageBatch(SendMessageBatchRequest.builder()
                        .queueUrl("https://sqs.us-east-1.amazonaws.com/000000000000/prime")
                        .entries(SendMessageBatchRequestEntry.builder()
                                .id("0")
                                .messageBody("{}")
                                .build())
                        .build()));
    }

    /** Transaction attributes and one event per plan or slice: what the dashboard's fan-out rows read. */
    private void report(List<FanoutSummary> summaries, Integer slicesFailed) {
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("runId", String.join(",", distinct(summaries, FanoutSummary::runId)));
        attributes.put("targetDate", String.join(",", distinct(summaries, s -> s.from() + ".." + s.to())));
        attributes.put(
                "jobsEnqueued",
                summaries.stream().mapToLong(FanoutSummary::jobsEnqueued).sum());
        if (slicesFailed != null) {
            attributes.put("slicesFailed", slicesFailed);
        }
        tracing.addAttributes(attributes);
        for (FanoutSummary s : summaries) {
            Map<String, Object> event = new HashMap<>();
            event.put("phase", "slice".equals(s.kind()) ? "slice" : "plan");
            event.put("runId", s.runId());
            event.put("kind", s.kind());
            event.put("status", s.status());
            event.put("from", s.from().toString());
            event.put("to", s.to().toString());
            event.put("jobsPlanned", s.jobsPlanned());
            event.put("jobsEnqueued", s.jobsEnqueued());
            event.put("slices", s.slices());
            event.put("handovers", s.handovers());
            event.put("badRows", s.badRows());
            event.put("durationMs", s.durationMs());
            if (s.part() != null) {
                event.put("part", s.part());
            }
            tracing.recordEvent(EVENT_TYPE, event);
        }
    }

    private static List<String> distinct(List<FanoutSummary> summaries, Function<FanoutSummary, String> field) {
        return List.copyOf(summaries.stream().map(field).collect(Collectors.toCollection(LinkedHashSet::new)));
    }

    FanoutSummary start(Plan plan, JsonNode request, LongSupplier remainingMillis) throws InterruptedException {
        long started = System.nanoTime();
        if (plan.badRowCount() > 0) {
            log.warn(
                    "shop rows skipped",
                    Map.of("runId", plan.runId(), "count", plan.badRowCount(), "rows", plan.badRows()));
        }
        requireFitsRetention(plan);
        List<Slice> slices = split(plan);
        if (plan.dryRun()) {
            return summary(plan, "dry-run", 0, slices.size(), 0, null, null, started);
        }
        requireTime(remainingMillis);
        storePlan(plan, slices.size(), request);
        if (slices.size() == 1) {
            FanoutSummary one = runSlice(slices.getFirst(), remainingMillis, started);
            return summary(
                    plan,
                    one.status(),
                    one.jobsEnqueued(),
                    1,
                    one.handovers(),
                    one.resumeAt(),
                    one.handoverReason(),
                    started);
        }
        sendSlices(slices, 0);
        return summary(plan, "sliced", 0, slices.size(), 0, null, null, started);
    }

    /**
     * Stores the run's plan before any job is enqueued, so {@code status --run} knows what to expect however the run
     * was started, and no job is recorded before its plan exists. One key per run: a retry rewrites it. A plan that
     * cannot be stored fails the invocation before anything is enqueued (and Lambda's retries try again).
     */
    private void storePlan(Plan plan, int slices, JsonNode request) {
        if (plans.isEmpty()) {
            return;
        }
        PlanStore store = plans.get();
        try (Tracing.Segment segment = tracing.segment("S3/putRunPlan")) {
            new RunManifest(
                            RunManifest.VERSION,
                            plan.runId(),
                            plan.kind(),
                            plan.from(),
                            plan.to(),
                            plan.jobs(),
                            slices,
                            plan.ratePerSecond(),
                            clock.instant(),
                            request)
                    .write(store.s3(), store.bucket());
            segment.addAttribute("runId", plan.runId());
        }
        log.info(
                "run plan stored",
                Map.of(
                        "runId", plan.runId(),
                        "jobsPlanned", plan.jobs(),
                        "plan", "s3://" + store.bucket() + "/" + RunManifest.key(plan.runId())));
    }

    /** Cuts a plan into slices of about SLICE_MAX_JOBS jobs (never more than about MAX_SLICES): shop ranges of
     * one date each for wide runs, runs of dates over all shops for narrow ones. */
    List<Slice> split(Plan plan) {
        long jobs = plan.jobs();
        long perSlice = Math.max(config.sliceMaxJobs(), Math.ceilDiv(jobs, MAX_SLICES));
        if (jobs <= perSlice) {
            return List.of(new Slice(
                    plan.runId(), 1, 1, plan.from(), plan.to(), plan.shops(), 0, plan.shopCount(), 0, jobs, 0));
        }
        long shopChunk = Math.min(plan.shopCount(), perSlice);
        long daysPerSlice = Math.max(1, perSlice / shopChunk);
        List<Slice> slices = new ArrayList<>();
        long remaining = jobs;
        for (LocalDate d = plan.from(); !d.isAfter(plan.to()) && remaining > 0; d = d.plusDays(daysPerSlice)) {
            LocalDate last = d.plusDays(daysPerSlice - 1);
            LocalDate end = last.isAfter(plan.to()) ? plan.to() : last;
            long days = end.toEpochDay() - d.toEpochDay() + 1;
            for (long s = 0; s < plan.shopCount() && remaining > 0; s += shopChunk) {
                long e = Math.min(plan.shopCount(), s + shopChunk);
                long sliceJobs = Math.min(remaining, days * (e - s));
                ShopSpec spec = plan.shops();
                long start = s;
                long stop = e;
                if ("list".equals(spec.type())) {
                    // A list slice carries only its own IDs, so every slice message stays small.
                    spec = ShopSpec.list(spec.ids().subList((int) s, (int) e));
                    start = 0;
                    stop = e - s;
                }
                slices.add(new Slice(plan.runId(), slices.size() + 1, 0, d, end, spec, start, stop, 0, sliceJobs, 0));
                remaining -= sliceJobs;
            }
        }
        int parts = slices.size();
        return slices.stream().map(x -> x.withParts(parts)).toList();
    }

    private SliceRun runSliceMessages(List<SliceMessage> messages, LongSupplier remainingMillis)
            throws InterruptedException {
        requireTime(remainingMillis);
        BatchParent parent = BatchParent.choose(messages.stream()
                .map(m -> TraceHeaders.pick(m.attributes() == null ? Map.of() : m.attributes()))
                .toList());
        tracing.acceptQueueHeaders(parent.parent());
        tracing.addAttributes(parent.attributes());
        List<FanoutSummary> summaries = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        RuntimeException firstFailure = null;
        for (SliceMessage message : messages) {
            String messageId = message.messageId();
            try {
                Slice slice;
                try {
                    slice = mapper.readValue(String.valueOf(message.body()), Slice.class)
                            .check();
                } catch (JsonProcessingException e) {
                    throw new BadRequestException(
                            "slice message " + messageId + " is not a slice: " + e.getOriginalMessage());
                }
                long backlog = jobBacklog();
                summaries.add(
                        backlog >= config.releaseHighWaterJobs()
                                ? defer(slice, backlog, System.nanoTime())
                                : runSlice(slice, remainingMillis, System.nanoTime()));
            } catch (RuntimeException e) {
                // Only this message returns to the queue (and, after maxReceiveCount, to the fan-out DLQ).
                log.error("slice failed", Map.of("messageId", messageId, "error", String.valueOf(e.getMessage())));
                failures.add(messageId);
                firstFailure = firstFailure == null ? e : firstFailure;
            }
        }
        if (!failures.isEmpty() && failures.size() == messages.size()) {
            // Nothing succeeded: fail the invocation, so the batch is retried and the error is the invocation's.
            throw firstFailure;
        }
        return new SliceRun(summaries, List.copyOf(failures));
    }

    /**
     * A plan the API cannot finish within the job queue's retention at its capacity is refused: its last jobs
     * would wait (or, released at once, expire) longer than SQS keeps a message, and the daily run would queue
     * behind it. The message names the numbers and the largest run that fits.
     */
    void requireFitsRetention(Plan plan) {
        double rate = config.apiRatePerSecond();
        long retention = jobQueueRetentionSeconds();
        double seconds = plan.jobs() / rate;
        if (seconds > retention) {
            long fits = (long) Math.floor(retention * rate);
            throw new BadRequestException("run " + plan.runId() + " plans " + plan.jobs() + " jobs: at the API's "
                    + "capacity of " + fmt(rate) + " requests/s (API_RATE_PER_SECOND) that is "
                    + Duration.ofSeconds((long) Math.ceil(seconds)) + ", longer than the job queue keeps a message ("
                    + Duration.ofSeconds(retention) + ", MessageRetentionPeriod " + retention + " s); split it into"
                    + " runs of at most " + fits + " jobs (fewer days or shops per request)");
        }
    }

    private static String fmt(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }

    /** The job queue's retention, read once per container (what the stack configured, not a copy of it). */
    private long jobQueueRetentionSeconds() {
        Long known = jobQueueRetention;
        if (known == null) {
            try {
                String value = sqs.getQueueAttributes(r -> r.queueUrl(config.jobQueueUrl())
                                .attributeNames(QueueAttributeName.MESSAGE_RETENTION_PERIOD))
                        .attributes()
                        .get(QueueAttributeName.MESSAGE_RETENTION_PERIOD);
                known = value == null ? DEFAULT_SQS_RETENTION_SECONDS : Long.parseLong(value);
                jobQueueRetention = known;
            } catch (SdkException e) {
                // Not cached: the send path reports an unreachable queue; the guard takes SQS's maximum meanwhile.
                log.warn(
                        "job queue retention unreadable",
                        Map.of("error", String.valueOf(e.getMessage()), "assumedSeconds", MAX_SQS_RETENTION_SECONDS));
                return MAX_SQS_RETENTION_SECONDS;
            }
        }
        return known;
    }

    /** Jobs waiting in the job queue (visible and delayed): the backlog a slice would add to. */
    private long jobBacklog() {
        Map<QueueAttributeName, String> a;
        try {
            a = sqs.getQueueAttributes(r -> r.queueUrl(config.jobQueueUrl())
                            .attributeNames(
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
                    .attributes();
        } catch (SdkException e) {
            // Released as before pacing existed: sending then names the queue's real problem (and hands over).
            log.warn("job queue depth unreadable", Map.of("error", String.valueOf(e.getMessage())));
            return 0;
        }
        return Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"))
                + Long.parseLong(a.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED, "0"));
    }

    /**
     * Holds a slice back while the job queue is above the release mark: the slice goes back to the fan-out queue
     * as a new message, delayed, so its age and receive count start again instead of growing toward the DLQ or
     * retention while the workers drain the backlog. Slices are thus released in step with the queue's depth.
     */
    private FanoutSummary defer(Slice slice, long backlog, long startedNanos) throws InterruptedException {
        sendSlices(List.of(slice), config.releaseDeferSeconds());
        String reason = "job queue holds " + backlog + " jobs, at or above the release mark of "
                + config.releaseHighWaterJobs() + " (RELEASE_HIGH_WATER_JOBS); retry in "
                + config.releaseDeferSeconds() + " s";
        log.info("slice deferred", Map.of("slice", slice.toString(), "backlog", backlog));
        return FanoutSummary.builder("slice", "deferred", slice.runId())
                .part(slice.part() + "/" + slice.parts())
                .scope(slice.from(), slice.to(), slice.shopCount(), slice.days())
                .jobs(slice.totalJobs() - slice.cursor(), 0)
                .slices(1)
                .handover(1, slice.cursor(), reason)
                .durationMs(millisSince(startedNanos))
                .build();
    }

    FanoutSummary runSlice(Slice slice, LongSupplier remainingMillis, long startedNanos) throws InterruptedException {
        LongFunction<String> shopId = shopLookup(slice);
        long total = slice.totalJobs();
        JobPublisher.Outcome outcome;
        // One segment for all of the slice's SendMessageBatch calls: a span per batch would be thousands.
        try (Tracing.Segment segment = tracing.segment("SQS/sendJobs")) {
            outcome = publisher.publish(
                    slice.cursor(),
                    total,
                    k -> new Job(slice.runId(), shopId.apply(slice.shopAt(k)), slice.dateAt(k)),
                    () -> remainingMillis.getAsLong() >= config.deadlineReserveMillis(),
                    segment.insertHeaders());
            segment.addAttribute("runId", slice.runId());
            segment.addAttribute("jobs", outcome.acknowledged());
            segment.addAttribute("batches", Math.ceilDiv(outcome.acknowledged(), JobPublisher.BATCH));
            if (outcome.failure() != null) {
                segment.addAttribute("failure", String.valueOf(outcome.failure().getMessage()));
            }
        }
        long done = outcome.confirmedEnd();
        String status = "done";
        int handovers = 0;
        String reason = null;
        if (done < total) {
            reason = outcome.failure() == null ? "deadline" : outcome.failure().getMessage();
            // Refusals count in a row only while no job gets through; any progress starts the count again.
            int failuresInARow = outcome.failure() == null ? 0 : done > slice.cursor() ? 1 : slice.failures() + 1;
            if (failuresInARow >= MAX_FAILURES_IN_A_ROW) {
                throw new IllegalStateException(
                        "slice " + slice + ": jobs could not be enqueued " + failuresInARow + " hand-overs in a row: "
                                + outcome.failure().getMessage(),
                        outcome.failure());
            }
            if (config.fanoutQueueUrl().isEmpty()) {
                throw new IllegalStateException("slice " + slice + " stopped at job " + done + " of " + total + " ("
                        + reason + ") and "
                        + "FANOUT_QUEUE_URL is not configured to hand the rest over; jobs before " + done
                        + " are enqueued");
            }
            Slice rest = slice.resumeAt(done, failuresInARow);
            sendSlices(List.of(rest), outcome.failure() == null ? 0 : 5 * failuresInARow);
            status = "handed-over";
            handovers = 1;
            log.info("slice handed over", Map.of("slice", slice.toString(), "resumeAt", done, "reason", reason));
        }
        var s = FanoutSummary.builder("slice", status, slice.runId())
                .part(slice.part() + "/" + slice.parts())
                .scope(slice.from(), slice.to(), slice.shopCount(), slice.days())
                .jobs(total - slice.cursor(), done - slice.cursor())
                .slices(1)
                .handover(handovers, handovers == 0 ? null : done, reason)
                .durationMs(millisSince(startedNanos))
                .build();
        log.info("slice finished", Map.of("summary", s));
        return s;
    }

    private LongFunction<String> shopLookup(Slice slice) {
        ShopSpec spec = slice.shops();
        return switch (spec.type()) {
            case "range" -> i -> Long.toString(spec.rangeFrom() + i);
            case "list" -> i -> spec.ids().get((int) i);
            case "manifest" -> {
                List<String> ids = manifests
                        .read(spec.manifest(), spec.idColumn(), spec.etag())
                        .ids();
                if (slice.shopEnd() > ids.size()) {
                    throw new BadRequestException("slice " + slice + " reaches shop " + slice.shopEnd()
                            + " but manifest " + spec.manifest() + " has " + ids.size() + " valid IDs");
                }
                yield i -> ids.get((int) i);
            }
            default -> throw new BadRequestException("slice has unknown shop source type '" + spec.type() + "'");
        };
    }

    /** Sends slice messages with SendMessageBatch: at most 10 entries and 256 KiB per request. */
    private void sendSlices(List<Slice> slices, int delaySeconds) throws InterruptedException {
        String queue = config.fanoutQueueUrl()
                .orElseThrow(() ->
                        new IllegalStateException("run " + slices.getFirst().runId() + " needs the fan-out queue ("
                                + slices.size() + " slice message(s)), but FANOUT_QUEUE_URL is"
                                + " not configured"));
        try (Tracing.Segment segment = tracing.segment("SQS/sendSlices")) {
            segment.addAttribute("slices", slices.size());
            sendSlices(queue, slices, delaySeconds, JobPublisher.messageAttributes(segment.insertHeaders()));
        }
    }

    private void sendSlices(
            String queue, List<Slice> slices, int delaySeconds, Map<String, MessageAttributeValue> trace)
            throws InterruptedException {
        // Attributes count towards a message's size.
        int traceBytes = trace.entrySet().stream()
                .mapToInt(e -> e.getKey().length()
                        + "String".length()
                        + e.getValue().stringValue().getBytes(StandardCharsets.UTF_8).length)
                .sum();
        List<String> batch = new ArrayList<>();
        int bytes = 0;
        for (Slice slice : slices) {
            String body;
            try {
                body = mapper.writeValueAsString(slice);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot encode slice " + slice, e);
            }
            int size = body.getBytes(StandardCharsets.UTF_8).length + traceBytes;
            if (!batch.isEmpty() && (batch.size() == JobPublisher.BATCH || bytes + size > MAX_SLICE_BATCH_BYTES)) {
                sendSliceBatch(queue, batch, delaySeconds, trace);
                batch.clear();
                bytes = 0;
            }
            batch.add(body);
            bytes += size;
        }
        sendSliceBatch(queue, batch, delaySeconds, trace);
    }

    private void sendSliceBatch(
            String queue, List<String> bodies, int delaySeconds, Map<String, MessageAttributeValue> trace)
            throws InterruptedException {
        Map<String, SendMessageBatchRequestEntry> pending = new LinkedHashMap<>();
        for (int i = 0; i < bodies.size(); i++) {
            pending.put(
                    Integer.toString(i),
                    SendMessageBatchRequestEntry.builder()
                            .id(Integer.toString(i))
                            .messageBody(bodies.get(i))
                            .delaySeconds(delaySeconds)
                            .messageAttributes(trace)
                            .build());
        }
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            SendMessageBatchResponse response =
                    sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(new ArrayList<>(pending.values())));
            response.successful().forEach(ok -> pending.remove(ok.id()));
            if (!pending.isEmpty()) {
                if (attempt >= 4) {
                    BatchResultErrorEntry first = response.failed().isEmpty()
                            ? null
                            : response.failed().getFirst();
                    throw new IllegalStateException("SQS refused " + pending.size() + " slice messages after " + attempt
                            + " attempts" + (first == null ? "" : ": " + first.code() + " " + first.message()));
                }
                Thread.sleep(50L << attempt);
            }
        }
    }

    /** A function timeout at or below the reserve would hand every slice over without progress, for ever. */
    private void requireTime(LongSupplier remainingMillis) {
        long left = remainingMillis.getAsLong();
        if (left <= config.deadlineReserveMillis()) {
            throw new IllegalStateException("DEADLINE_RESERVE_MS (" + config.deadlineReserveMillis() + ") is not less"
                    + " than the time this invocation started with (" + left + " ms): raise the function timeout or"
                    + " lower the reserve");
        }
    }

    private static FanoutSummary summary(
            Plan plan,
            String status,
            long enqueued,
            int slices,
            int handovers,
            Long resumeAt,
            String reason,
            long startedNanos) {
        double seconds = plan.jobs() / plan.ratePerSecond();
        return FanoutSummary.builder(plan.kind(), status, plan.runId())
                .scope(plan.from(), plan.to(), plan.shopCount(), plan.days())
                .jobs(plan.jobs(), enqueued)
                .slices(slices)
                .handover(handovers, resumeAt, reason)
                .badRows(plan.badRowCount(), samples(plan))
                .dryRun(plan.dryRun())
                .estimate(
                        plan.ratePerSecond(),
                        seconds,
                        Duration.ofSeconds((long) Math.ceil(seconds)).toString())
                .durationMs(millisSince(startedNanos))
                .build();
    }

    private static List<ManifestReader.BadRow> samples(Plan plan) {
        var s = plan.badRows().stream().limit(BAD_ROWS_IN_SUMMARY).toList();
        return s.isEmpty() ? null : s;
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
