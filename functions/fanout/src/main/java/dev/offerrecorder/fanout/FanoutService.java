package dev.offerrecorder.fanout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Plans a run and enqueues its jobs. Small runs are enqueued in the invocation that asked; large ones are cut
 * into slices (date range x shop range) sent to the fan-out queue, where parallel invocations take them. A
 * slice running out of time sends itself on with its cursor, so any size completes with no job enqueued twice by
 * a hand-over and none skipped.
 */
public final class FanoutService {
    private final FanoutConfig config;
    private final JobPublisher publisher;
    private final SqsClient sqs;
    private final ManifestReader manifests;
    private final RequestParser parser;
    private final ObjectMapper mapper = Json.newMapper();
    private final Clock clock;
    private final JsonLog log;

    public FanoutService(FanoutConfig config, SqsClient sqs, ManifestReader manifests, Clock clock, JsonLog log) {
        this.config = config;
        this.sqs = sqs;
        this.publisher = new JobPublisher(sqs, config.jobQueueUrl(), config.sendConcurrency());
        this.manifests = manifests;
        this.parser = new RequestParser(config, manifests, clock);
        this.clock = clock;
        this.log = log;
    }

    /** Handles any fan-out input: a schedule event, a backfill request, or an SQS batch of slices. */
    public List<FanoutSummary> handle(JsonNode input, LongSupplier remainingMillis) throws InterruptedException {
        if (input != null && input.has("Records")) {
            List<FanoutSummary> out = new ArrayList<>();
            for (JsonNode record : input.get("Records")) {
                Slice slice;
                try {
                    slice = mapper.readValue(record.path("body").asText(), Slice.class);
                } catch (JsonProcessingException e) {
                    throw new BadRequestException("slice message " + record.path("messageId").asText()
                            + " is not a slice: " + e.getOriginalMessage());
                }
                out.add(runSlice(slice, remainingMillis, System.nanoTime()));
            }
            return out;
        }
        Plan plan = input != null && RequestParser.isSchedule(input) ? parser.schedule(input) : parser.backfill(input);
        return List.of(start(plan, remainingMillis));
    }

    FanoutSummary start(Plan plan, LongSupplier remainingMillis) throws InterruptedException {
        long started = System.nanoTime();
        List<Slice> slices = split(plan);
        Double estimate = plan.jobs() / plan.ratePerSecond();
        if (plan.dryRun()) {
            return summary(plan, 0, slices.size(), 0, started, estimate);
        }
        if (slices.size() == 1) {
            FanoutSummary one = runSlice(slices.getFirst(), remainingMillis, started);
            return summary(plan, one.jobsEnqueued(), 1, one.handovers(), started, estimate);
        }
        String queue = config.fanoutQueueUrl().orElseThrow(() -> new BadRequestException("run of " + plan.jobs()
                + " jobs needs " + slices.size() + " slices, but FANOUT_QUEUE_URL is not configured"));
        for (Slice slice : slices) {
            sendSlice(queue, slice);
        }
        FanoutSummary s = summary(plan, 0, slices.size(), 0, started, estimate);
        log.info("run planned and sliced", Map.of("summary", s));
        return s;
    }

    /** Cuts a plan into slices of at most SLICE_MAX_JOBS jobs: shop ranges first, then date ranges. */
    List<Slice> split(Plan plan) {
        long max = config.sliceMaxJobs();
        if (plan.jobs() <= max) {
            return List.of(new Slice(plan.runId(), plan.from(), plan.to(), plan.shops(), 0, plan.shopCount(), 0,
                    plan.jobs()));
        }
        long shopChunk = Math.min(plan.shopCount(), max);
        long daysPerSlice = Math.max(1, max / shopChunk);
        List<Slice> slices = new ArrayList<>();
        long remaining = plan.jobs();
        for (LocalDate d = plan.from(); !d.isAfter(plan.to()) && remaining > 0; d = d.plusDays(daysPerSlice)) {
            LocalDate end = d.plusDays(daysPerSlice - 1).isAfter(plan.to()) ? plan.to() : d.plusDays(daysPerSlice - 1);
            for (long s = 0; s < plan.shopCount() && remaining > 0; s += shopChunk) {
                Slice slice = new Slice(plan.runId(), d, end, plan.shops(), s, Math.min(plan.shopCount(), s + shopChunk),
                        0, Long.MAX_VALUE);
                long jobs = Math.min(remaining, slice.totalJobs());
                slices.add(new Slice(slice.runId(), d, end, plan.shops(), slice.shopStart(), slice.shopEnd(), 0, jobs));
                remaining -= jobs;
            }
        }
        return slices;
    }

    FanoutSummary runSlice(Slice slice, LongSupplier remainingMillis, long startedNanos) throws InterruptedException {
        LongFunction<String> shopAt = shopLookup(slice.shops());
        long total = slice.totalJobs();
        long cursor = slice.cursor();
        long enqueued = 0;
        int chunk = Math.max(JobPublisher.BATCH, config.sendConcurrency() * JobPublisher.BATCH * 4);
        int handovers = 0;
        while (cursor < total) {
            if (remainingMillis.getAsLong() < config.deadlineReserveMillis()) {
                String queue = config.fanoutQueueUrl().orElseThrow(() -> new IllegalStateException(
                        "slice of run " + slice.runId() + " ran out of time at job " + slice.cursor()
                                + " and FANOUT_QUEUE_URL is not configured to hand the rest over"));
                sendSlice(queue, slice.withCursor(cursor));
                handovers++;
                log.info("slice handed over", Map.of("runId", slice.runId(), "cursor", slice.cursor(),
                        "resumeAt", cursor, "total", total));
                break;
            }
            long stop = Math.min(total, cursor + chunk);
            List<Job> jobs = new ArrayList<>((int) (stop - cursor));
            for (long k = cursor; k < stop; k++) {
                long day = k / slice.shopCount();
                long shop = slice.shopStart() + k % slice.shopCount();
                jobs.add(new Job(slice.runId(), shopAt.apply(shop), slice.from().plusDays(day)));
            }
            publisher.publish(jobs, Map.of());
            enqueued += jobs.size();
            cursor = stop;
        }
        var s = new FanoutSummary("slice", slice.runId(), slice.from(), slice.to(), slice.shopCount(), slice.days(),
                total - slice.cursor(), enqueued, 1, handovers, 0, null, false, null,
                (System.nanoTime() - startedNanos) / 1_000_000);
        log.info("slice done", Map.of("summary", s));
        return s;
    }

    private LongFunction<String> shopLookup(ShopSpec spec) {
        return switch (spec.type()) {
            case "range" -> i -> Long.toString(spec.rangeFrom() + i);
            case "list" -> i -> spec.ids().get((int) i);
            case "manifest" -> {
                List<String> ids = manifests.read(spec.manifest(), spec.idColumn(), spec.etag()).ids();
                yield i -> ids.get((int) i);
            }
            default -> throw new BadRequestException("slice has unknown shop source type '" + spec.type() + "'");
        };
    }

    private void sendSlice(String queue, Slice slice) {
        try {
            String body = mapper.writeValueAsString(slice);
            sqs.sendMessage(r -> r.queueUrl(queue).messageBody(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private FanoutSummary summary(Plan plan, long enqueued, int slices, int handovers, long startedNanos,
                                  Double estimate) {
        var samples = plan.badRows().stream().limit(20).toList();
        return new FanoutSummary(plan.kind(), plan.runId(), plan.from(), plan.to(), plan.shopCount(), plan.days(),
                plan.jobs(), enqueued, slices, handovers, plan.badRows().size(), samples.isEmpty() ? null : samples,
                plan.dryRun(), estimate, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    Clock clock() {
        return clock;
    }
}
