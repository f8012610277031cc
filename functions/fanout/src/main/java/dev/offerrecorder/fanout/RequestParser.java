package dev.offerrecorder.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.request.BadRequestException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Tells the input shapes apart and turns a schedule or a backfill request into a {@link Plan}, or says precisely
 * what is wrong with it.
 *
 * <ul>
 *   <li>EventBridge rule: {@code {"detail-type":"Scheduled Event","time":"...",...}}.</li>
 *   <li>EventBridge Scheduler (SAM ScheduleV2), which sends only its target's Input:
 *       {@code {"schedule":"daily","scheduledTime":"<aws.scheduler.scheduled-time>"}}; without scheduledTime the
 *       clock decides what "yesterday" is.</li>
 *   <li>Backfill: {@code {"from","to", one of "shopIds" | "shopRange":{"from","to"} | "manifest", "idColumn"?,
 *       "runId"?, "dryRun"?, "limit"?, "ratePerSecond"?}}.</li>
 * </ul>
 *
 * An event with {@code Records} (an SQS batch of slice messages) is refused: {@link SliceHandler} takes those.
 */
final class RequestParser {
    static final int MAX_DAYS = 3660;
    static final long MAX_RANGE_SHOPS = 100_000_000L;
    /** An explicit list travels inside slice messages, so it stays well below the SQS message size limit. */
    static final int MAX_LIST_SHOPS = 2_000;
    /** More than this is a mistake rather than a backfill (at 100 calls/s it would take four months). */
    static final long MAX_JOBS = 1_000_000_000L;

    private static final Set<String> BACKFILL_FIELDS = Set.of(
            "from", "to", "shopIds", "shopRange", "manifest", "idColumn", "runId", "dryRun", "limit", "ratePerSecond");
    private static final Set<String> SCHEDULER_FIELDS = Set.of("schedule", "scheduledTime");
    static final String SCHEDULER_INPUT =
            "{\"schedule\":\"daily\",\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}";

    enum Shape {
        SCHEDULE,
        BACKFILL
    }

    private final FanoutConfig config;
    private final ManifestReader manifests;
    private final Clock clock;

    RequestParser(FanoutConfig config, ManifestReader manifests, Clock clock) {
        this.config = config;
        this.manifests = manifests;
        this.clock = clock;
    }

    static Shape classify(JsonNode input) {
        if (input == null || input.isMissingNode() || !input.isObject()) {
            throw new BadRequestException("request is not a JSON object (got " + describe(input) + "): expected a "
                    + "backfill request {\"from\",\"to\",\"shopIds\"|\"shopRange\"|\"manifest\"} or a schedule event");
        }
        if (input.has("Records")) {
            throw new BadRequestException("an event with \"Records\" (an SQS batch of slice messages) goes to "
                    + SliceHandler.class.getName()
                    + "::handleRequest, the fan-out queue's event source (SliceFunction);"
                    + " FanoutHandler takes a backfill request or a schedule event");
        }
        if (input.has("detail-type")) {
            String type = input.get("detail-type").asText();
            if (!"Scheduled Event".equals(type)) {
                throw new BadRequestException("unsupported EventBridge event: detail-type '" + type + "' from source '"
                        + input.path("source").asText() + "'; fan-out takes only \"Scheduled Event\"");
            }
            return Shape.SCHEDULE;
        }
        if (input.has("schedule")) {
            return Shape.SCHEDULE;
        }
        if (input.isEmpty()) {
            throw new BadRequestException("request is an empty object {}: expected a backfill request or a schedule."
                    + " EventBridge Scheduler sends {} when its target has no Input: set the schedule's Input to "
                    + SCHEDULER_INPUT);
        }
        return Shape.BACKFILL;
    }

    Plan schedule(JsonNode event) {
        Instant time;
        String timeField;
        if (event.has("detail-type")) {
            timeField = "time";
            time = instant(event, timeField);
        } else {
            for (Iterator<String> names = event.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!SCHEDULER_FIELDS.contains(name)) {
                    throw new BadRequestException(
                            "unknown schedule field '" + name + "': a Scheduler input is " + SCHEDULER_INPUT);
                }
            }
            JsonNode kind = event.get("schedule");
            if (!kind.isTextual() || !"daily".equals(kind.asText())) {
                throw new BadRequestException("schedule " + kind + " is not supported: only \"daily\" (record "
                        + "yesterday in " + config.timeZone() + ")");
            }
            timeField = "scheduledTime";
            time = event.has(timeField) ? instant(event, timeField) : clock.instant();
        }
        String uri = config.scheduleManifest()
                .orElseThrow(
                        () -> new BadRequestException("a schedule needs SHOP_MANIFEST (s3://bucket/key) configured"));
        // "Yesterday" is the day before the schedule's time, in the business time zone: the scheduled time (not
        // the moment of a retry) decides, so a retry after midnight still records the same day.
        LocalDate yesterday = LocalDate.ofInstant(time, config.timeZone()).minusDays(1);
        if (yesterday.isBefore(Job.EARLIEST_DATE)) {
            throw new BadRequestException(
                    "schedule field '" + timeField + "' " + time + " is before " + Job.EARLIEST_DATE);
        }
        ManifestReader.Manifest manifest = manifests.read(uri, config.manifestIdColumn(), null);
        // One run ID per business day: a repeated or retried schedule re-sends the same jobs, which the transform's
        // compaction keeps once per (shop_id, target_date).
        return new Plan(
                "schedule",
                "daily-" + yesterday,
                yesterday,
                yesterday,
                ShopSpec.manifest(uri, config.manifestIdColumn(), manifest.etag()),
                manifest.ids().size(),
                manifest.badRowCount(),
                manifest.badRows(),
                false,
                Long.MAX_VALUE,
                config.apiRatePerSecond());
    }

    Plan backfill(JsonNode request) {
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!BACKFILL_FIELDS.contains(name)) {
                throw new BadRequestException("unknown request field '" + name + "': expected a schedule event or a "
                        + "backfill request with " + new TreeSet<>(BACKFILL_FIELDS));
            }
        }
        LocalDate from = date(request, "from");
        LocalDate to = date(request, "to");
        if (to.isBefore(from)) {
            throw new BadRequestException("date range is inverted: from " + from + " is after to " + to);
        }
        long days = to.toEpochDay() - from.toEpochDay() + 1;
        if (days > MAX_DAYS) {
            throw new BadRequestException("date range " + from + ".." + to + " spans " + days + " days; at most "
                    + MAX_DAYS + " per request");
        }
        if (from.isBefore(Job.EARLIEST_DATE)) {
            throw new BadRequestException("from " + from + " is before " + Job.EARLIEST_DATE);
        }
        LocalDate today = LocalDate.now(clock.withZone(config.timeZone()));
        if (to.isAfter(today)) {
            throw new BadRequestException(
                    "to " + to + " is in the future (today is " + today + " in " + config.timeZone() + ")");
        }
        String runId = runId(request);
        boolean dryRun = false;
        if (request.has("dryRun")) {
            JsonNode d = request.get("dryRun");
            if (!d.isBoolean()) {
                throw new BadRequestException("dryRun must be true or false, got " + d);
            }
            dryRun = d.asBoolean();
        }
        long limit = Long.MAX_VALUE;
        if (request.has("limit")) {
            JsonNode l = request.get("limit");
            if (!l.isIntegralNumber() || !l.canConvertToLong() || l.asLong() < 1) {
                throw new BadRequestException("limit must be a positive whole number, got " + l);
            }
            limit = l.asLong();
        }
        double rate = config.apiRatePerSecond();
        if (request.has("ratePerSecond")) {
            JsonNode r = request.get("ratePerSecond");
            if (!r.isNumber() || !(r.asDouble() > 0) || Double.isInfinite(r.asDouble())) {
                throw new BadRequestException("ratePerSecond must be a positive number, got " + r);
            }
            rate = r.asDouble();
        }

        int sources = (request.has("shopIds") ? 1 : 0)
                + (request.has("shopRange") ? 1 : 0)
                + (request.has("manifest") ? 1 : 0);
        if (sources != 1) {
            throw new BadRequestException("give the shops exactly one way: \"shopIds\", \"shopRange\" or \"manifest\""
                    + " (found " + sources + ")");
        }
        if (request.has("idColumn") && !request.has("manifest")) {
            throw new BadRequestException("idColumn applies only to a \"manifest\"");
        }
        Plan plan;
        if (request.has("shopIds")) {
            plan = shopList(request.get("shopIds"), runId, from, to, dryRun, limit, rate);
        } else if (request.has("shopRange")) {
            plan = shopRange(request.get("shopRange"), runId, from, to, dryRun, limit, rate);
        } else {
            JsonNode m = request.get("manifest");
            if (!m.isTextual()) {
                throw new BadRequestException("manifest must be an s3://bucket/key string, got " + m);
            }
            String idColumn = config.manifestIdColumn();
            if (request.has("idColumn")) {
                JsonNode c = request.get("idColumn");
                if (!c.isTextual() || c.asText().isBlank()) {
                    throw new BadRequestException("idColumn must be a non-blank column name, got " + c);
                }
                idColumn = c.asText().strip();
            }
            ManifestReader.Manifest manifest = manifests.read(m.asText(), idColumn, null);
            plan = new Plan(
                    "backfill",
                    runId,
                    from,
                    to,
                    ShopSpec.manifest(m.asText(), idColumn, manifest.etag()),
                    manifest.ids().size(),
                    manifest.badRowCount(),
                    manifest.badRows(),
                    dryRun,
                    limit,
                    rate);
        }
        if (plan.jobs() > MAX_JOBS) {
            throw new BadRequestException("request would enqueue " + plan.jobs() + " jobs (" + plan.shopCount()
                    + " shops x " + plan.days() + " days); at most " + MAX_JOBS + " per request: split it by date");
        }
        return plan;
    }

    private static String runId(JsonNode request) {
        if (!request.hasNonNull("runId")) {
            return "backfill-" + UUID.randomUUID().toString().substring(0, 13);
        }
        JsonNode r = request.get("runId");
        if (!r.isTextual()) {
            throw new BadRequestException("runId must be a string, got " + r);
        }
        try {
            Job.requireId("runId", r.asText());
        } catch (RuntimeException e) {
            throw new BadRequestException(e.getMessage());
        }
        return r.asText();
    }

    private static Plan shopList(
            JsonNode ids, String runId, LocalDate from, LocalDate to, boolean dryRun, long limit, double rate) {
        if (!ids.isArray()) {
            throw new BadRequestException("shopIds must be an array of shop IDs, got " + describe(ids));
        }
        if (ids.size() > MAX_LIST_SHOPS) {
            throw new BadRequestException("shopIds holds " + ids.size() + " IDs; at most " + MAX_LIST_SHOPS
                    + " in a request: put more in an S3 manifest");
        }
        List<String> valid = new ArrayList<>();
        List<ManifestReader.BadRow> bad = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            JsonNode id = ids.get(i);
            String text = id.isTextual() || id.isIntegralNumber() ? id.asText().strip() : null;
            long position = i + 1;
            if (text == null) {
                bad.add(new ManifestReader.BadRow(
                        position, "shopIds[" + i + "] is " + id.getNodeType() + ", not a string or integer"));
            } else if (text.isEmpty()) {
                bad.add(new ManifestReader.BadRow(position, "shopIds[" + i + "] is blank"));
            } else if (!Job.isValidId(text)) {
                bad.add(new ManifestReader.BadRow(
                        position, "shopIds[" + i + "] '" + text + "' is not 1-64 letters, digits, '-' or '_'"));
            } else if (seen.putIfAbsent(text, i) != null) {
                bad.add(new ManifestReader.BadRow(
                        position, "shopIds[" + i + "] duplicates shopIds[" + seen.get(text) + "] '" + text + "'"));
            } else {
                valid.add(text);
            }
        }
        if (valid.isEmpty()) {
            throw new BadRequestException("shopIds has no valid shop ID (" + bad.size() + " bad entries"
                    + (bad.isEmpty() ? "" : "; first: " + bad.getFirst().reason()) + ")");
        }
        return new Plan(
                "backfill", runId, from, to, ShopSpec.list(valid), valid.size(), bad.size(), bad, dryRun, limit, rate);
    }

    private static Plan shopRange(
            JsonNode range, String runId, LocalDate from, LocalDate to, boolean dryRun, long limit, double rate) {
        if (!range.path("from").isIntegralNumber()
                || !range.path("to").isIntegralNumber()
                || !range.get("from").canConvertToLong()
                || !range.get("to").canConvertToLong()) {
            throw new BadRequestException("shopRange needs whole numbers \"from\" and \"to\", got " + range);
        }
        long a = range.get("from").asLong();
        long b = range.get("to").asLong();
        if (a < 0 || b < a) {
            throw new BadRequestException("shopRange " + a + ".." + b + " is " + (a < 0 ? "negative" : "inverted"));
        }
        if (b - a + 1 > MAX_RANGE_SHOPS) {
            throw new BadRequestException(
                    "shopRange " + a + ".." + b + " holds " + (b - a + 1) + " shops; at most " + MAX_RANGE_SHOPS);
        }
        return new Plan(
                "backfill", runId, from, to, ShopSpec.range(a, b), b - a + 1, 0, List.of(), dryRun, limit, rate);
    }

    private static LocalDate date(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequestException("backfill request needs \"" + field + "\" (YYYY-MM-DD)");
        }
        try {
            if (!value.isTextual()) {
                throw new DateTimeParseException("not a string", value.toString(), 0);
            }
            return LocalDate.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("\"" + field + "\" is not a date (YYYY-MM-DD): " + value);
        }
    }

    private static Instant instant(JsonNode event, String field) {
        JsonNode value = event.get(field);
        try {
            return Instant.parse(value == null ? "" : value.asText());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("schedule field '" + field + "' is not an ISO instant: "
                    + (value == null ? "missing" : value.toString()));
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
