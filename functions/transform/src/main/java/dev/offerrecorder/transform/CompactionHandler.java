package dev.offerrecorder.transform;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.request.BadRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Lambda entry point of partition compaction ({@link CompactionService}). Input is either
 * {@code {"date":"YYYY-MM-DD"}} (compact that partition; invoke it by hand or from a backfill) or a scheduled
 * event (EventBridge rule or Scheduler: {@code "detail-type":"Scheduled Event"}, or an empty object), meaning
 * "compact the partition {@code COMPACTION_LAG_DAYS} days before the event's time" in {@code TIME_ZONE}.
 * Returns the {@link CompactionResult} as JSON.
 *
 * <p>Environment: {@code PLATFORM_BUCKET} (required), {@code COMPACTION_TARGET_MB} (default 128),
 * {@code COMPACTION_LAG_DAYS} (default 1), {@code TIME_ZONE} (default UTC), {@code WORK_DIR} (default
 * java.io.tmpdir; needs room for one partition's files twice).
 */
public final class CompactionHandler implements RequestStreamHandler {
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
        long targetBytes = env.getInt("COMPACTION_TARGET_MB", 128, 1, 1024) * 1024L * 1024L;
        this.lagDays = env.getInt("COMPACTION_LAG_DAYS", 1, 0, 3650);
        String zoneName = env.get("TIME_ZONE", "UTC");
        try {
            this.zone = ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            throw new ConfigException("TIME_ZONE", "is not a time zone: '" + zoneName + "'");
        }
        this.clock = clock;
        this.service = new CompactionService(
                AwsClients.s3(env),
                env.require("PLATFORM_BUCKET"),
                Path.of(env.get("WORK_DIR", System.getProperty("java.io.tmpdir"))),
                targetBytes,
                log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] body = input.readAllBytes();
        LocalDate date = partitionDate(new String(body, StandardCharsets.UTF_8));
        CompactionResult result = service.compact(date);
        output.write(mapper.writeValueAsBytes(result));
    }

    /** The partition an input asks for; BadRequestException saying what is wrong with the input. */
    LocalDate partitionDate(String input) {
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
            try {
                return LocalDate.parse(date.asText());
            } catch (DateTimeParseException e) {
                throw new BadRequestException("compaction input 'date' must be YYYY-MM-DD, got " + date);
            }
        }
        boolean scheduled = node.isEmpty()
                || "Scheduled Event".equals(node.path("detail-type").asText());
        if (!scheduled) {
            throw new BadRequestException("compaction input must be {\"date\":\"YYYY-MM-DD\"} or a scheduled "
                    + "event, got fields " + fieldNames(node));
        }
        Instant at;
        try {
            at = node.hasNonNull("time") ? Instant.parse(node.get("time").asText()) : clock.instant();
        } catch (DateTimeParseException e) {
            throw new BadRequestException("scheduled event 'time' is not an ISO instant: " + node.get("time"));
        }
        LocalDate partition = LocalDate.ofInstant(at, zone).minusDays(lagDays);
        log.info(
                "scheduled compaction",
                Map.of(
                        "eventTime",
                        at.toString(),
                        "lagDays",
                        lagDays,
                        "timeZone",
                        zone.getId(),
                        "date",
                        partition.toString()));
        return partition;
    }

    private static String fieldNames(JsonNode node) {
        var names = new java.util.ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }
}
