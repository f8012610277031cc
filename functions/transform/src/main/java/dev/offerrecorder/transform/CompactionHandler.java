package dev.offerrecorder.transform;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.request.BadRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Lambda entry point of partition compaction ({@link CompactionService}). Input is one of
 * <ul>
 *   <li>{@code {"date":"YYYY-MM-DD"}}: compact that partition (by hand); returns its {@link CompactionResult};</li>
 *   <li>{@code {"upTo":"YYYY-MM-DD"}}: compact every marked partition (written since its last compaction) dated
 *       then or earlier, e.g. right after a backfill; returns a {@link PendingCompaction};</li>
 *   <li>a scheduled event (EventBridge rule or Scheduler: {@code "detail-type":"Scheduled Event"}, or an empty
 *       object): as {@code upTo} the day {@code COMPACTION_LAG_DAYS} before the event's time in {@code TIME_ZONE}.
 *       Younger partitions wait, as the daily run may still be writing them; their markers keep them pending.</li>
 * </ul>
 * A run over marked partitions starts a partition only while the invocation has time left for it (twice the
 * slowest partition so far, at least a minute); the rest stay marked for the next run. It fails (so the schedule
 * retries and the error alarm fires) when a partition failed, after the others were done.
 *
 * <p>Environment: see {@link CompactionConfig}.
 */
public final class CompactionHandler implements RequestStreamHandler {
    private static final long MIN_TIME_LEFT_MS = 10_000;
    private final CompactionService service;
    private final int lagDays;
    private final ZoneId zone;
    private final Clock clock;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log = new JsonLog("compaction");

    public CompactionHandler() {
        this(Env.system(), Clock.systemUTC());
    }

    public CompactionHandler(Env env) {
        this(env, Clock.systemUTC());
    }

    public CompactionHandler(Env env, Clock clock) {
        CompactionConfig config = CompactionConfig.from(env);
        this.lagDays = config.lagDays();
        this.zone = config.timeZone();
        this.clock = clock;
        this.service = new CompactionService(
                AwsClients.s3(env), config.platformBucket(), config.workDir(), config.targetBytes(), log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] body = input.readAllBytes();
        Request request = request(new String(body, StandardCharsets.UTF_8));
        if (request.date() != null) {
            output.write(mapper.writeValueAsBytes(service.compact(request.date())));
            return;
        }
        PendingCompaction run = service.compactPending(request.upTo(), timeLeft(context));
        output.write(mapper.writeValueAsBytes(run));
        output.flush();
        if (!run.failed().isEmpty()) {
            throw new IllegalStateException(
                    run.failed().size() + " partition(s) failed to compact (markers kept): " + run.failed());
        }
    }

    /** One partition ({@code date}) or every marked partition up to {@code upTo}: exactly one is set. */
    record Request(LocalDate date, LocalDate upTo) {}

    /** Starts another partition only with twice the slowest one so far left, and at least 10 s. */
    private static BooleanSupplier timeLeft(Context context) {
        if (context == null) {
            return () -> true;
        }
        long[] slowest = {0};
        long[] started = {-1};
        return () -> {
            long now = System.nanoTime();
            if (started[0] >= 0) {
                slowest[0] = Math.max(slowest[0], (now - started[0]) / 1_000_000);
            }
            started[0] = now;
            return context.getRemainingTimeInMillis() > Math.max(MIN_TIME_LEFT_MS, 2 * slowest[0]);
        };
    }

    /** What an input asks for; BadRequestException saying what is wrong with the input. */
    Request request(String input) {
        JsonNode node;
        try {
            node = input.isBlank() ? mapper.createObjectNode() : mapper.readTree(input);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("compaction input is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("compaction input must be a JSON object, got " + node);
        }
        JsonNode date = node.get("date");
        if (date != null) {
            return new Request(date(date, "date"), null);
        }
        JsonNode upTo = node.get("upTo");
        if (upTo != null) {
            return new Request(null, date(upTo, "upTo"));
        }
        boolean scheduled = node.isEmpty()
                || "Scheduled Event".equals(node.path("detail-type").asText());
        if (!scheduled) {
            throw new BadRequestException("compaction input must be {\"date\":\"YYYY-MM-DD\"}, "
                    + "{\"upTo\":\"YYYY-MM-DD\"} or a scheduled event, got fields " + fieldNames(node));
        }
        Instant at;
        try {
            at = node.hasNonNull("time") ? Instant.parse(node.get("time").asText()) : clock.instant();
        } catch (DateTimeParseException e) {
            throw new BadRequestException("scheduled event 'time' is not an ISO instant: " + node.get("time"));
        }
        LocalDate last = LocalDate.ofInstant(at, zone).minusDays(lagDays);
        log.info(
                "scheduled compaction of marked partitions",
                Map.of(
                        "eventTime",
                        at.toString(),
                        "lagDays",
                        lagDays,
                        "timeZone",
                        zone.getId(),
                        "upTo",
                        last.toString()));
        return new Request(null, last);
    }

    private static LocalDate date(JsonNode value, String field) {
        try {
            return LocalDate.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("compaction input '" + field + "' must be YYYY-MM-DD, got " + value);
        }
    }

    private static String fieldNames(JsonNode node) {
        var names = new java.util.ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }
}
