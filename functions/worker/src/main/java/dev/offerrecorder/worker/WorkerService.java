package dev.offerrecorder.worker;

import dev.offerrecorder.shared.api.ApiObservationSummary;
import dev.offerrecorder.shared.failure.FailureNotes;
import dev.offerrecorder.shared.failure.JobFailure;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.shared.trace.BatchParent;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.TraceHeaders;
import dev.offerrecorder.shared.trace.Tracing;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Processes one SQS batch: decode, call the API for every job concurrently (bounded by the adaptive gate),
 * write one raw-log object per (run, date), and only then call the jobs done. Anything not durably written
 * is reported failed, so SQS delivers it again or, after maxReceiveCount, parks it in the DLQ.
 *
 * <p>Tracing: the invocation continues the trace of the batch's first message that carries one (a transaction
 * takes one parent; the other traces' IDs become attributes), each API attempt and raw-log write is a named
 * segment, and the batch's numbers go out as transaction attributes and one {@value #EVENT_TYPE} event.
 */
public final class WorkerService {
    /** The custom event recorded once per invocation. */
    public static final String EVENT_TYPE = "OfferRecorderWorkerBatch";

    /** The custom event recorded once per invocation and run: what the container saw of the API. */
    public static final String API_EVENT_TYPE = "OfferRecorderApiObservation";

    /**
     * The one log line per batch stopped by a refused credential carries {@code "event": "api_auth_failure"}: a
     * metric filter {@code { $.event = "api_auth_failure" }} counts them for an alarm.
     */
    public static final String AUTH_FAILURE_EVENT = "api_auth_failure";

    static final String AUTH_FAILURE = JobFailure.Kind.API_AUTH.label();

    static final int NOTE_PARALLELISM = 16;

    private final CalcApiClient api;
    private final ApiCredential credential;
    private final RawLogWriter writer;
    private final ApiConcurrencyGate gate;
    private final JobCodec jobs = new JobCodec();
    private final RawLogCodec rawLogs = new RawLogCodec();
    private final ResponseClassifier classifier = new ResponseClassifier();
    private final long writeReserveMillis;
    private final Clock clock;
    private final JsonLog log;
    private final Tracing tracing;
    private final java.util.Optional<FleetShare> fleet;

    /** How often a batch re-reads the job queue's counts for its share of the API. */
    static final long SHARE_REFRESH_MILLIS = 1_000;

    /** As {@link #create(WorkerConfig, software.amazon.awssdk.services.s3.S3Client, java.util.Optional, JsonLog,
     * Tracing)} with New Relic tracing (a no-op without an agent). */
    public static WorkerService create(
            WorkerConfig config,
            software.amazon.awssdk.services.s3.S3Client s3,
            java.util.Optional<String> token,
            JsonLog log) {
        return create(config, s3, token, log, new NewRelicTracing());
    }

    /** Builds the service and its parts from configuration; the S3 client and tracing are the caller's (one per
     * container). */
    public static WorkerService create(
            WorkerConfig config,
            software.amazon.awssdk.services.s3.S3Client s3,
            java.util.Optional<String> token,
            JsonLog log,
            Tracing tracing) {
        return create(config, s3, ApiCredential.fixed(token), log, tracing);
    }

    /** Builds the service with a credential it can read again (after a restore, on a 401/403). */
    public static WorkerService create(
            WorkerConfig config,
            software.amazon.awssdk.services.s3.S3Client s3,
            ApiCredential credential,
            JsonLog log,
            Tracing tracing) {
        return create(config, s3, credential, log, tracing, java.util.Optional.empty());
    }

    /**
     * As above, with the job queue's counts telling the container its share of the API while it works (the Lambda
     * handler's way; without it a paced container keeps the static share).
     */
    static WorkerService create(
            WorkerConfig config,
            software.amazon.awssdk.services.s3.S3Client s3,
            ApiCredential credential,
            JsonLog log,
            Tracing tracing,
            java.util.Optional<FleetShare> fleet) {
        // One pacer and one gate per container: what they learn about the API carries over from batch to batch.
        var pacer = config.apiShareRps().isPresent()
                ? java.util.Optional.of(new ApiPacer(config.apiShareRps().getAsDouble()))
                : java.util.Optional.<ApiPacer>empty();
        var gate = new ApiConcurrencyGate(
                config.initialLimit(), config.concurrencyCeiling(), config.limitAlgorithm(), pacer);
        var api = new CalcApiClient(
                CalcApiClient.newHttpClient(),
                config.apiUrlTemplate(),
                config.callTimeout(),
                new RetryPolicy(config.maxAttempts(), config.baseBackoff(), config.maxBackoff()),
                gate,
                credential,
                tracing);
        return new WorkerService(
                api,
                credential,
                new RawLogWriter(s3, config.rawBucket()),
                gate,
                config.writeReserve().toMillis(),
                Clock.systemUTC(),
                log,
                tracing,
                fleet);
    }

    WorkerService(
            CalcApiClient api,
            ApiCredential credential,
            RawLogWriter writer,
            ApiConcurrencyGate gate,
            long writeReserveMillis,
            Clock clock,
            JsonLog log,
            Tracing tracing,
            java.util.Optional<FleetShare> fleet) {
        this.api = api;
        this.credential = credential;
        this.writer = writer;
        this.gate = gate;
        this.writeReserveMillis = writeReserveMillis;
        this.clock = clock;
        this.log = log;
        this.tracing = tracing;
        this.fleet = fleet;
    }

    /** The API credential, for the handler to read again after a SnapStart restore. */
    public ApiCredential credential() {
        return credential;
    }

    /** The container's concurrency gate (for tests: its in-flight count must return to 0 after a batch). */
    ApiConcurrencyGate gate() {
        return gate;
    }

    /** What one job's calls came to; calls are HTTP attempts, errors and rejections as in {@link ApiCall}. */
    private sealed interface JobResult {
        int calls();

        int errors();

        int rejections();
    }

    private record Recorded(RawRecord record, int calls, int errors, int rejections) implements JobResult {}

    private record Failed(JobFailure failure, int calls, int errors, int rejections) implements JobResult {}

    /**
     * @param remainingMillis time left in the invocation (Lambda's {@code Context::getRemainingTimeInMillis})
     */
    public BatchResult process(List<JobMessage> messages, LongSupplier remainingMillis) throws InterruptedException {
        // Before anything else: the agent ignores an accept that comes after headers were inserted.
        BatchParent parent =
                BatchParent.choose(messages.stream().map(JobMessage::attributes).toList());
        tracing.acceptQueueHeaders(parent.parent());
        tracing.addAttributes(parent.attributes());
        api.observations().drain(clock.instant()); // an interrupted invocation's attempts are not this batch's
        Tally tally = new Tally();
        Map<Job, List<JobMessage>> byJob = decode(messages, tally);
        // Calls stop starting once only the write reserve is left.
        LongSupplier callBudget = () -> remainingMillis.getAsLong() - writeReserveMillis;
        BatchAuth auth = new BatchAuth(credential);
        Map<Job, JobResult> results;
        Runnable stopFollowingShare = followShare(messages.size());
        try {
            results = callAll(byJob, callBudget, auth);
        } finally {
            stopFollowingShare.run();
        }
        Map<String, Map<LocalDate, List<Job>>> toWrite = collect(results, byJob, tally);
        logAuthFailure(auth, tally);
        // The API observations need nothing from the raw logs: their S3 write runs beside the raw-log write, one S3
        // round trip less between this batch's last answer and the next batch's first call.
        Thread observations = noteApiObservationsBeside(remainingMillis);
        write(toWrite, results, byJob, tally);
        noteFailures(tally, remainingMillis);
        observations.join();
        BatchResult result = tally.result(messages.size(), byJob.keySet(), gate.currentLimit());
        tracing.addAttributes(result.transactionAttributes());
        tracing.recordEvent(EVENT_TYPE, result.eventAttributes());
        return result;
    }

    /** What the batch came to so far: failures, counts and latencies, filled in by the steps of one batch. */
    private static final class Tally {
        final List<String> failed = new ArrayList<>();
        final Map<String, Integer> failureReasons = new TreeMap<>();
        final Map<String, Integer> outcomes = new TreeMap<>();
        final List<Long> latencies = new ArrayList<>();
        int invalid;
        int retries;
        int apiCalls;
        int apiErrors;
        int rejections;
        int recorded;
        long bytes;
        int objects;

        /** The failed jobs and why, for the notes replay's peek reads. */
        final Map<Job, JobFailure> failedJobs = new LinkedHashMap<>();

        final Map<Job, String> failedMessage = new LinkedHashMap<>();

        void fail(Job job, JobFailure failure, List<String> messageIds) {
            failedJobs.put(job, failure);
            failedMessage.put(job, messageIds.getFirst());
            fail(failure, messageIds);
        }

        void fail(JobFailure failure, List<String> messageIds) {
            failed.addAll(messageIds);
            failureReasons.merge(failure.kind().label(), 1, Integer::sum);
        }

        void countCalls(JobResult r) {
            retries += Math.max(0, r.calls() - 1);
            apiCalls += r.calls();
            apiErrors += r.errors();
            rejections += r.rejections();
        }

        BatchResult result(int messages, java.util.Set<Job> jobs, int limit) {
            latencies.sort(null);
            var runIds = new TreeSet<String>();
            var dates = new TreeSet<String>();
            jobs.forEach(j -> {
                runIds.add(j.runId());
                dates.add(j.date().toString());
            });
            return new BatchResult(
                    List.copyOf(failed),
                    messages,
                    invalid,
                    recorded,
                    jobs.size() - recorded,
                    outcomes,
                    failureReasons,
                    percentile(latencies, 0.50),
                    percentile(latencies, 0.95),
                    latencies.isEmpty() ? 0 : latencies.getLast(),
                    retries,
                    apiCalls,
                    apiErrors,
                    rejections,
                    limit,
                    bytes,
                    objects,
                    List.copyOf(runIds),
                    List.copyOf(dates));
        }
    }

    /** The batch's jobs; the same job delivered twice is called once, recorded once, and both messages settled. */
    private Map<Job, List<JobMessage>> decode(List<JobMessage> messages, Tally tally) {
        Map<Job, List<JobMessage>> byJob = new LinkedHashMap<>();
        for (JobMessage message : messages) {
            try {
                Job job = jobs.decode(message.body());
                byJob.computeIfAbsent(job, j -> new ArrayList<>()).add(message);
            } catch (InvalidJobException e) {
                tally.invalid++;
                tally.fail(
                        new JobFailure(JobFailure.Kind.INVALID_MESSAGE, e.getMessage()), List.of(message.messageId()));
                log.warn("invalid job message", Map.of("messageId", message.messageId(), "reason", e.getMessage()));
            }
        }
        return byJob;
    }

    /**
     * While the batch calls the API, keeps the pacer at this container's share of it ({@link FleetShare}): read at
     * the start and every {@value #SHARE_REFRESH_MILLIS} ms, so containers that finish free their share for the ones
     * still working. The first read runs beside the batch's first calls, which start at the share the last batch
     * left (the static one in a new container): waited for, it held every batch's first call back by a
     * GetQueueAttributes round trip (5-15 ms locally, 118 ms in a cold container), API time lost at every batch. The
     * returned action stops the refresh; the share stays until the next batch reads it again.
     */
    private Runnable followShare(int batchSize) {
        if (fleet.isEmpty() || gate.pacer().isEmpty()) {
            return () -> {};
        }
        FleetShare shares = fleet.get();
        ApiPacer pacer = gate.pacer().get();
        var stopped = new java.util.concurrent.atomic.AtomicBoolean();
        Thread refresher = Thread.ofVirtual().name("worker-share").start(() -> {
            try {
                while (true) {
                    double share = shares.shareFor(batchSize);
                    if (stopped.get()) {
                        return; // the batch ended while the counts were read: they belong to no batch now
                    }
                    pacer.share(share);
                    Thread.sleep(SHARE_REFRESH_MILLIS);
                }
            } catch (InterruptedException e) {
                // The batch's calls are done.
            }
        });
        return () -> {
            stopped.set(true);
            refresher.interrupt();
        };
    }

    /** Calls the API for every job at once on virtual threads; the gate bounds how many calls are out. */
    private Map<Job, JobResult> callAll(Map<Job, List<JobMessage>> byJob, LongSupplier callBudget, BatchAuth auth)
            throws InterruptedException {
        Map<Job, JobResult> results = new LinkedHashMap<>();
        try (Tracing.Segment phase = tracing.segment("Worker/callApi");
                var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            phase.addAttribute("jobs", byJob.size());
            Map<Job, Future<JobResult>> futures = new LinkedHashMap<>();
            for (var entry : byJob.entrySet()) {
                Job job = entry.getKey();
                JobMessage first = entry.getValue().getFirst();
                Map<String, String> upstream = TraceHeaders.pick(first.attributes());
                // The transaction is bound to this thread; each virtual thread joins it through its own handoff,
                // taken here before the task starts. Every task is joined below, before the transaction ends.
                Tracing.Handoff handoff = tracing.handoff();
                futures.put(
                        job,
                        executor.submit(() -> handoff.call(
                                "Worker/job", () -> callOne(job, first.messageId(), upstream, callBudget, auth))));
            }
            for (var entry : futures.entrySet()) {
                try {
                    results.put(entry.getKey(), entry.getValue().get());
                } catch (ExecutionException e) {
                    results.put(
                            entry.getKey(),
                            new Failed(
                                    new JobFailure(JobFailure.Kind.UNEXPECTED, String.valueOf(e.getCause())), 0, 0, 0));
                }
            }
        }
        return results;
    }

    /** Counts every job's calls; fails what got no answer; groups what did by (run, date), one object each. */
    private Map<String, Map<LocalDate, List<Job>>> collect(
            Map<Job, JobResult> results, Map<Job, List<JobMessage>> byJob, Tally tally) {
        Map<String, Map<LocalDate, List<Job>>> toWrite = new TreeMap<>();
        for (var entry : results.entrySet()) {
            Job job = entry.getKey();
            JobResult result = entry.getValue();
            tally.countCalls(result);
            switch (result) {
                case Recorded r -> {
                    tally.latencies.add(r.record().latencyMs());
                    toWrite.computeIfAbsent(job.runId(), k -> new TreeMap<>())
                            .computeIfAbsent(job.date(), k -> new ArrayList<>())
                            .add(job);
                }
                case Failed f -> {
                    tally.fail(job, f.failure(), messageIds(byJob, job));
                    log.warn(
                            "job failed, left for SQS to redeliver",
                            Map.of(
                                    "runId",
                                    job.runId(),
                                    "shopId",
                                    job.shopId(),
                                    "date",
                                    job.date().toString(),
                                    "failureKind",
                                    f.failure().kind().name(),
                                    "reason",
                                    f.failure().detail()));
                }
            }
        }
        return toWrite;
    }

    private static List<String> messageIds(Map<Job, List<JobMessage>> byJob, Job job) {
        return byJob.get(job).stream().map(JobMessage::messageId).toList();
    }

    /** One countable line per batch stopped by a refused credential ({@link #AUTH_FAILURE_EVENT}). */
    private void logAuthFailure(BatchAuth auth, Tally tally) {
        if (!auth.stopped()) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("event", AUTH_FAILURE_EVENT);
        fields.put("failureKind", JobFailure.Kind.API_AUTH.name());
        fields.put("status", auth.refusedStatus());
        fields.put("jobsReturned", tally.failureReasons.getOrDefault(AUTH_FAILURE, 0));
        fields.put("credentialReread", auth.reread());
        if (auth.rereadError() != null) {
            fields.put("rereadError", auth.rereadError());
        }
        log.error("the API refused the credential after it was read again; batch stopped", fields);
    }

    /** Writes one raw-log object per (run, date); a failed write fails every job in it, nothing else. */
    private void write(
            Map<String, Map<LocalDate, List<Job>>> toWrite,
            Map<Job, JobResult> results,
            Map<Job, List<JobMessage>> byJob,
            Tally tally) {
        for (var run : toWrite.entrySet()) {
            for (var dated : run.getValue().entrySet()) {
                List<Job> group = dated.getValue();
                group.sort(Comparator.comparing(Job::shopId));
                List<RawRecord> records = group.stream()
                        .map(j -> ((Recorded) results.get(j)).record())
                        .toList();
                String key = RawLogKeys.key(run.getKey(), dated.getKey(), group);
                byte[] body = rawLogs.encode(records);
                try (Tracing.Segment segment = tracing.segment("S3/putRawLog")) {
                    segment.addAttribute("key", key);
                    segment.addAttribute("jobs", group.size());
                    segment.addAttribute("bytes", body.length);
                    writer.write(key, body);
                    tally.recorded += group.size();
                    tally.bytes += body.length;
                    tally.objects++;
                    records.forEach(r -> tally.outcomes.merge(r.outcome().name(), 1, Integer::sum));
                } catch (RuntimeException e) {
                    // Not durable, so not done: every job of this object goes back to SQS.
                    JobFailure failure = new JobFailure(JobFailure.Kind.RAW_LOG_WRITE, String.valueOf(e.getMessage()));
                    group.forEach(j -> tally.fail(j, failure, messageIds(byJob, j)));
                    log.error(
                            "raw-log write failed; jobs reported failed",
                            Map.of(
                                    "bucket",
                                    writer.bucket(),
                                    "key",
                                    key,
                                    "jobs",
                                    group.size(),
                                    "error",
                                    String.valueOf(e.getMessage())));
                }
            }
        }
    }

    /**
     * Leaves each failed job's reason where replay's peek finds it ({@link FailureNotes}): one small PUT per
     * failed job, 16 at a time, best effort and only while the write reserve lasts. A note that is not written
     * costs the peek its detail, never a job.
     */
    private void noteFailures(Tally tally, LongSupplier remainingMillis) throws InterruptedException {
        if (tally.failedJobs.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        var slots = new java.util.concurrent.Semaphore(NOTE_PARALLELISM);
        var unwritten = new java.util.concurrent.atomic.AtomicInteger();
        try (Tracing.Segment segment = tracing.segment("S3/putFailureNotes");
                var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            segment.addAttribute("jobs", tally.failedJobs.size());
            for (var entry : tally.failedJobs.entrySet()) {
                Job job = entry.getKey();
                // Stop starting notes when the reserve is nearly spent: the batch response matters more.
                if (remainingMillis.getAsLong() < writeReserveMillis / 2) {
                    unwritten.incrementAndGet();
                    continue;
                }
                slots.acquire();
                executor.submit(() -> {
                    try {
                        writer.writeJson(
                                FailureNotes.key(job),
                                FailureNotes.encode(job, entry.getValue(), now, tally.failedMessage.get(job)));
                    } catch (RuntimeException e) {
                        unwritten.incrementAndGet();
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        if (unwritten.get() > 0) {
            log.warn(
                    "failure notes not written; replay peek shows these jobs without their reason",
                    Map.of("notes", unwritten.get(), "bucket", writer.bucket()));
        }
    }

    /** {@link #noteApiObservations} on its own thread, as a segment of this invocation's transaction. */
    private Thread noteApiObservationsBeside(LongSupplier remainingMillis) {
        Tracing.Handoff handoff = tracing.handoff();
        return Thread.ofVirtual().name("worker-observations").start(() -> {
            try {
                handoff.call("Worker/apiObservations", () -> {
                    noteApiObservations(remainingMillis);
                    return null;
                });
            } catch (Exception e) {
                log.warn(
                        "API observations not written; status --run misses this invocation's calls",
                        Map.of("error", String.valueOf(e)));
            }
        });
    }

    /**
     * What the container saw of the API in this invocation, per run: one {@value #API_EVENT_TYPE} event and one small
     * JSON object under {@code api-observations/run=RUN/} that {@code status --run} merges across the fleet. Best
     * effort like the failure notes: beside the raw logs, only while the write reserve lasts, never costing a job.
     */
    private void noteApiObservations(LongSupplier remainingMillis) {
        String invocation = java.util.UUID.randomUUID().toString();
        int unwritten = 0;
        for (ApiObservationSummary summary : api.observations().drain(clock.instant())) {
            tracing.recordEvent(API_EVENT_TYPE, ApiObservations.eventAttributes(summary));
            if (remainingMillis.getAsLong() < writeReserveMillis / 2) {
                unwritten++;
                continue;
            }
            try (Tracing.Segment segment = tracing.segment("S3/putApiObservations")) {
                segment.addAttribute("runId", summary.runId());
                writer.writeJson(summary.key(invocation), summary.encode());
            } catch (RuntimeException e) {
                unwritten++;
            }
        }
        if (unwritten > 0) {
            log.warn(
                    "API observations not written; status --run misses this invocation's calls",
                    Map.of("summaries", unwritten, "bucket", writer.bucket()));
        }
    }

    private JobResult callOne(
            Job job, String messageId, Map<String, String> upstream, LongSupplier budget, BatchAuth auth)
            throws InterruptedException {
        if (auth.stopped()) {
            return new Failed(
                    new JobFailure(JobFailure.Kind.API_AUTH, "not called, the API refused the credential"), 0, 0, 0);
        }
        int calls = 0;
        int errors = 0;
        int rejections = 0;
        try {
            ApiCall call;
            try {
                call = api.call(job, budget, upstream, auth::stopped);
            } catch (ApiAuthRejected refused) {
                calls += refused.attempts();
                errors += refused.errors();
                rejections += refused.rejections();
                // A rotated token: read it again (once per batch) and try once more with what is current.
                auth.rereadOnce();
                try {
                    call = api.call(job, budget, upstream, auth::stopped);
                } catch (ApiAuthRejected again) {
                    auth.stop(again.status());
                    return new Failed(
                            new JobFailure(
                                    JobFailure.Kind.API_AUTH,
                                    again.getMessage() + (again.withToken() ? "" : " (no token configured)")),
                            calls + again.attempts(),
                            errors + again.errors(),
                            rejections + again.rejections());
                }
            }
            ResponseClassifier.Classified c = classifier.classify(call.status(), call.body());
            RawRecord record = new RawRecord(
                    RawRecord.VERSION,
                    job.runId(),
                    job.shopId(),
                    job.date(),
                    call.url(),
                    call.status(),
                    c.outcome(),
                    call.latencyMs(),
                    call.attempts(),
                    call.body(),
                    clock.instant(),
                    messageId,
                    c.error());
            return new Recorded(
                    record, calls + call.attempts(), errors + call.errors(), rejections + call.rejections());
        } catch (TransientApiFailure e) {
            return new Failed(e.failure(), calls + e.attempts(), errors + e.errors(), rejections + e.rejections());
        }
    }

    static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
