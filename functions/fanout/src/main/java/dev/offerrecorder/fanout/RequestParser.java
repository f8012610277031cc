package dev.offerrecorder.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.job.Job;
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
import java.util.UUID;

/**
 * Turns a schedule event or a backfill request into a {@link Plan}, or says precisely what is wrong with it.
 * Backfill shape: {@code {"from","to", one of "shopIds" | "shopRange":{"from","to"} | "manifest", "idColumn"?,
 * "runId"?, "dryRun"?, "limit"?, "ratePerSecond"?}}.
 */
final class RequestParser {
    static final int MAX_DAYS = 3660;
    static final long MAX_RANGE_SHOPS = 100_000_000L;
    private static final Set<String> BACKFILL_FIELDS = Set.of("from", "to", "shopIds", "shopRange", "manifest",
            "idColumn", "runId", "dryRun", "limit", "ratePerSecond");

    private final FanoutConfig config;
    private final ManifestReader manifests;
    private final Clock clock;

    RequestParser(FanoutConfig config, ManifestReader manifests, Clock clock) {
        this.config = config;
        this.manifests = manifests;
        this.clock = clock;
    }

    static boolean isSchedule(JsonNode input) {
        return input.has("detail-type") && "Scheduled Event".equals(input.get("detail-type").asText());
    }

    Plan schedule(JsonNode event) {
        String uri = config.scheduleManifest().orElseThrow(() -> new BadRequestException(
                "a schedule event needs SHOP_MANIFEST (s3://bucket/key) configured"));
        Instant time;
        try {
            time = Instant.parse(event.path("time").asText());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("schedule event field 'time' is not an ISO instant: '"
                    + event.path("time").asText() + "'");
        }
        // "Yesterday" is the business day before the event's time, in the configured zone.
        LocalDate yesterday = LocalDate.ofInstant(time, config.timeZone()).minusDays(1);
        ManifestReader.Manifest manifest = manifests.read(uri, config.manifestIdColumn(), null);
        return new Plan("schedule", "daily-" + yesterday, yesterday, yesterday,
                ShopSpec.manifest(uri, config.manifestIdColumn(), manifest.etag()), manifest.ids().size(),
                manifest.badRows(), false, Long.MAX_VALUE, config.apiRatePerSecond());
    }

    Plan backfill(JsonNode request) {
        if (request == null || !request.isObject()) {
            throw new BadRequestException("request is not a JSON object: expected a schedule event or a backfill "
                    + "request {\"from\",\"to\",\"shopIds\"|\"shopRange\"|\"manifest\"}");
        }
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!BACKFILL_FIELDS.contains(name)) {
                throw new BadRequestException("unknown request field '" + name + "': expected a schedule event or a "
                        + "backfill request with " + new java.util.TreeSet<>(BACKFILL_FIELDS));
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
            throw new BadRequestException("to " + to + " is in the future (today is " + today + " in "
                    + config.timeZone() + ")");
        }
        String runId = request.hasNonNull("runId") ? request.get("runId").asText()
                : "backfill-" + UUID.randomUUID().toString().substring(0, 13);
        try {
            Job.requireId("runId", runId);
        } catch (RuntimeException e) {
            throw new BadRequestException(e.getMessage());
        }
        boolean dryRun = request.path("dryRun").asBoolean(false);
        long limit = Long.MAX_VALUE;
        if (request.has("limit")) {
            JsonNode l = request.get("limit");
            if (!l.canConvertToLong() || !l.isIntegralNumber() || l.asLong() < 1) {
                throw new BadRequestException("limit must be a positive whole number, got " + l);
            }
            limit = l.asLong();
        }
        double rate = config.apiRatePerSecond();
        if (request.has("ratePerSecond")) {
            JsonNode r = request.get("ratePerSecond");
            if (!r.isNumber() || r.asDouble() <= 0) {
                throw new BadRequestException("ratePerSecond must be a positive number, got " + r);
            }
            rate = r.asDouble();
        }

        int sources = (request.has("shopIds") ? 1 : 0) + (request.has("shopRange") ? 1 : 0)
                + (request.has("manifest") ? 1 : 0);
        if (sources != 1) {
            throw new BadRequestException("give the shops exactly one way: \"shopIds\", \"shopRange\" or \"manifest\""
                    + " (found " + sources + ")");
        }
        if (request.has("shopIds")) {
            JsonNode ids = request.get("shopIds");
            if (!ids.isArray()) {
                throw new BadRequestException("shopIds must be an array of shop IDs");
            }
            List<String> valid = new ArrayList<>();
            List<ManifestReader.BadRow> bad = new ArrayList<>();
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                JsonNode id = ids.get(i);
                String text = id.isTextual() || id.isIntegralNumber() ? id.asText().trim() : "";
                if (text.isEmpty()) {
                    bad.add(new ManifestReader.BadRow(i, "shopIds[" + i + "] is blank or not a string"));
                } else if (!Job.isValidId(text)) {
                    bad.add(new ManifestReader.BadRow(i, "shopIds[" + i + "] '" + text
                            + "' is not 1-64 letters, digits, '-' or '_'"));
                } else if (seen.putIfAbsent(text, i) != null) {
                    bad.add(new ManifestReader.BadRow(i, "shopIds[" + i + "] duplicates shopIds[" + seen.get(text) + "]"));
                } else {
                    valid.add(text);
                }
            }
            if (valid.isEmpty()) {
                throw new BadRequestException("shopIds has no valid shop ID (" + bad.size() + " bad entries)");
            }
            return new Plan("backfill", runId, from, to, ShopSpec.list(valid), valid.size(), bad, dryRun, limit, rate);
        }
        if (request.has("shopRange")) {
            JsonNode range = request.get("shopRange");
            if (!range.path("from").isIntegralNumber() || !range.path("to").isIntegralNumber()) {
                throw new BadRequestException("shopRange needs whole numbers \"from\" and \"to\", got " + range);
            }
            long a = range.get("from").asLong();
            long b = range.get("to").asLong();
            if (a < 0 || b < a) {
                throw new BadRequestException("shopRange " + a + ".." + b + " is empty, inverted or negative");
            }
            if (b - a + 1 > MAX_RANGE_SHOPS) {
                throw new BadRequestException("shopRange " + a + ".." + b + " holds more than " + MAX_RANGE_SHOPS
                        + " shops");
            }
            return new Plan("backfill", runId, from, to, ShopSpec.range(a, b), b - a + 1, List.of(), dryRun, limit,
                    rate);
        }
        String uri = request.get("manifest").asText();
        String idColumn = request.path("idColumn").asText(config.manifestIdColumn());
        ManifestReader.Manifest manifest = manifests.read(uri, idColumn, null);
        return new Plan("backfill", runId, from, to, ShopSpec.manifest(uri, idColumn, manifest.etag()),
                manifest.ids().size(), manifest.badRows(), dryRun, limit, rate);
    }

    private static LocalDate date(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequestException("backfill request needs \"" + field + "\" (YYYY-MM-DD)");
        }
        try {
            return LocalDate.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new BadRequestException("\"" + field + "\" is not a date (YYYY-MM-DD): '" + value.asText() + "'");
        }
    }
}
