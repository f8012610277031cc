package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Request shapes and backfill checks that need no manifest (manifest cases run against S3 in the local module). */
class RequestParserTest {
    // 2024-06-10T16:00Z is already 2024-06-11 in Tokyo.
    private final Clock clock = Clock.fixed(Instant.parse("2024-06-10T16:00:00Z"), ZoneOffset.UTC);
    private final FanoutConfig config = FanoutConfig.from(new Env(Map.of("JOB_QUEUE_URL", "http://q")));
    private final RequestParser parser = new RequestParser(config, new ManifestReader(null), clock);

    private static JsonNode json(String s) throws Exception {
        return Json.newMapper().readTree(s);
    }

    private Plan backfill(String s) throws Exception {
        JsonNode node = json(s);
        assertEquals(RequestParser.Shape.BACKFILL, RequestParser.classify(node));
        return parser.backfill(node);
    }

    private String error(String s) {
        return assertThrows(BadRequestException.class, () -> backfill(s)).getMessage();
    }

    @Test
    void classifiesEveryInputShape() throws Exception {
        assertEquals(
                RequestParser.Shape.SCHEDULE,
                RequestParser.classify(
                        json("{\"detail-type\":\"Scheduled Event\",\"time\":\"2024-03-01T15:30:00Z\"}")));
        assertEquals(RequestParser.Shape.SCHEDULE, RequestParser.classify(json("{\"schedule\":\"daily\"}")));
        assertTrue(assertThrows(
                        BadRequestException.class,
                        () -> RequestParser.classify(
                                json("{\"Records\":[{\"eventSource\":\"aws:sqs\",\"body\":\"{}\"}]}")))
                .getMessage()
                .contains("goes to dev.offerrecorder.fanout.SliceHandler::handleRequest"));
        assertEquals(RequestParser.Shape.BACKFILL, RequestParser.classify(json("{\"from\":\"2024-01-01\"}")));
    }

    @Test
    void unknownShapesAreNamed() throws Exception {
        assertTrue(assertThrows(BadRequestException.class, () -> RequestParser.classify(json("[1,2]")))
                .getMessage()
                .startsWith("request is not a JSON object (got array)"));
        assertTrue(assertThrows(BadRequestException.class, () -> RequestParser.classify(json("{}")))
                .getMessage()
                .contains("set the schedule's Input to " + RequestParser.SCHEDULER_INPUT));
        assertTrue(assertThrows(
                        BadRequestException.class,
                        () -> RequestParser.classify(json("{\"Records\":[{\"eventSource\":\"aws:s3\"}]}")))
                .getMessage()
                .contains("SliceHandler"));
        assertEquals(
                "unsupported EventBridge event: detail-type 'Object Created' from source 'aws.s3'; fan-out "
                        + "takes only \"Scheduled Event\"",
                assertThrows(
                                BadRequestException.class,
                                () -> RequestParser.classify(
                                        json("{\"detail-type\":\"Object Created\",\"source\":\"aws.s3\"}")))
                        .getMessage());
        assertTrue(error("{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",\"shopIds\":[\"1\"],\"shops\":[]}")
                .startsWith("unknown request field 'shops': expected a schedule event or a backfill request with"));
    }

    @Test
    void schedulerInputWithoutAManifestSaysWhatToConfigure() throws Exception {
        String message = assertThrows(
                        BadRequestException.class,
                        () -> parser.schedule(
                                json("{\"schedule\":\"daily\",\"scheduledTime\":\"2024-03-01T15:30:00Z\"}")))
                .getMessage();
        assertEquals("a schedule needs SHOP_MANIFEST (s3://bucket/key) configured", message);
        assertEquals(
                "schedule \"hourly\" is not supported: only \"daily\" (record yesterday in Asia/Tokyo)",
                assertThrows(BadRequestException.class, () -> parser.schedule(json("{\"schedule\":\"hourly\"}")))
                        .getMessage());
        assertEquals(
                "schedule field 'scheduledTime' is not an ISO instant: \"<aws.scheduler.scheduled-time>\"",
                assertThrows(
                                BadRequestException.class,
                                () -> parser.schedule(
                                        json(
                                                "{\"schedule\":\"daily\",\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}")))
                        .getMessage());
        assertTrue(assertThrows(
                        BadRequestException.class,
                        () -> parser.schedule(json("{\"schedule\":\"daily\",\"when\":\"now\"}")))
                .getMessage()
                .startsWith("unknown schedule field 'when'"));
    }

    @Test
    void aShopRangeBackfillPlansShopsTimesDays() throws Exception {
        Plan p = backfill("{\"from\":\"2024-01-30\",\"to\":\"2024-02-02\",\"shopRange\":{\"from\":10,\"to\":19},"
                + "\"runId\":\"r-1\"}");
        assertEquals(
                new Plan(
                        "backfill",
                        "r-1",
                        LocalDate.of(2024, 1, 30),
                        LocalDate.of(2024, 2, 2),
                        ShopSpec.range(10, 19),
                        10,
                        0,
                        List.of(),
                        false,
                        Long.MAX_VALUE,
                        100),
                p);
        assertEquals(40, p.jobs());
        assertTrue(
                backfill("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopIds\":[\"a\"]}")
                        .runId()
                        .startsWith("backfill-"),
                "a run ID is generated when none is given");
    }

    @Test
    void limitDryRunAndRateShapeTheEstimate() throws Exception {
        Plan p = backfill("{\"from\":\"2024-01-01\",\"to\":\"2024-01-10\",\"shopRange\":{\"from\":1,\"to\":100},"
                + "\"dryRun\":true,\"limit\":250,\"ratePerSecond\":12.5}");
        assertTrue(p.dryRun());
        assertEquals(250, p.jobs());
        assertEquals(12.5, p.ratePerSecond());
    }

    @Test
    void badDateRangesAreNamed() {
        String shops = ",\"shopRange\":{\"from\":1,\"to\":2}}";
        assertEquals(
                "date range is inverted: from 2024-02-02 is after to 2024-02-01",
                error("{\"from\":\"2024-02-02\",\"to\":\"2024-02-01\"" + shops));
        assertEquals(
                "date range 2000-01-01..2024-06-01 spans 8919 days; at most 3660 per request",
                error("{\"from\":\"2000-01-01\",\"to\":\"2024-06-01\"" + shops));
        assertEquals(
                "from 1999-12-31 is before 2000-01-01",
                error("{\"from\":\"1999-12-31\",\"to\":\"2000-01-02\"" + shops));
        assertEquals(
                "to 2024-06-12 is in the future (today is 2024-06-11 in Asia/Tokyo)",
                error("{\"from\":\"2024-06-01\",\"to\":\"2024-06-12\"" + shops));
        assertEquals(
                "\"to\" is not a date (YYYY-MM-DD): \"2024-02-30\"",
                error("{\"from\":\"2024-02-01\",\"to\":\"2024-02-30\"" + shops));
        assertEquals(
                "\"from\" is not a date (YYYY-MM-DD): 20240201",
                error("{\"from\":20240201,\"to\":\"2024-02-03\"" + shops));
        assertEquals("backfill request needs \"to\" (YYYY-MM-DD)", error("{\"from\":\"2024-02-01\"" + shops));
    }

    @Test
    void badFieldsAreNamed() {
        String dates = "{\"from\":\"2024-01-01\",\"to\":\"2024-01-02\",";
        assertEquals(
                "dryRun must be true or false, got \"yes\"", error(dates + "\"shopIds\":[\"1\"],\"dryRun\":\"yes\"}"));
        assertEquals("limit must be a positive whole number, got 0", error(dates + "\"shopIds\":[\"1\"],\"limit\":0}"));
        assertEquals(
                "ratePerSecond must be a positive number, got -1",
                error(dates + "\"shopIds\":[\"1\"],\"ratePerSecond\":-1}"));
        assertEquals("runId must be a string, got 7", error(dates + "\"shopIds\":[\"1\"],\"runId\":7}"));
        assertEquals(
                "runId 'a/b' must be 1-64 characters of letters, digits, '-' or '_'",
                error(dates + "\"shopIds\":[\"1\"],\"runId\":\"a/b\"}"));
        assertEquals(
                "give the shops exactly one way: \"shopIds\", \"shopRange\" or \"manifest\" (found 2)",
                error(dates + "\"shopIds\":[\"1\"],\"shopRange\":{\"from\":1,\"to\":2}}"));
        assertEquals(
                "give the shops exactly one way: \"shopIds\", \"shopRange\" or \"manifest\" (found 0)",
                error(dates + "\"runId\":\"x\"}"));
        assertEquals(
                "idColumn applies only to a \"manifest\"", error(dates + "\"shopIds\":[\"1\"],\"idColumn\":\"x\"}"));
        assertEquals("shopRange 5..4 is inverted", error(dates + "\"shopRange\":{\"from\":5,\"to\":4}}"));
        assertEquals("shopRange -1..4 is negative", error(dates + "\"shopRange\":{\"from\":-1,\"to\":4}}"));
        assertEquals(
                "shopRange needs whole numbers \"from\" and \"to\", got {\"from\":\"1\",\"to\":4}",
                error(dates + "\"shopRange\":{\"from\":\"1\",\"to\":4}}"));
        assertEquals("manifest must be an s3://bucket/key string, got 5", error(dates + "\"manifest\":5}"));
        assertEquals(
                "manifest 'https://x/y' is not an s3://bucket/key URI", error(dates + "\"manifest\":\"https://x/y\"}"));
        assertEquals(
                "manifest 's3://bucket-only' is not an s3://bucket/key URI",
                error(dates + "\"manifest\":\"s3://bucket-only\"}"));
    }

    @Test
    void absurdSizesAreRefused() {
        assertEquals(
                "request would enqueue 36600000000 jobs (10000000 shops x 3660 days); at most 1000000000 per "
                        + "request: split it by date",
                error("{\"from\":\"2010-01-01\",\"to\":\"2020-01-08\","
                        + "\"shopRange\":{\"from\":1,\"to\":10000000}}"));
        assertEquals(
                "shopRange 0..100000000 holds 100000001 shops; at most 100000000",
                error("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopRange\":{\"from\":0,\"to\":100000000}}"));
        var many = new StringBuilder("[");
        for (int i = 0; i <= RequestParser.MAX_LIST_SHOPS; i++) {
            many.append(i == 0 ? "" : ",").append(i);
        }
        assertEquals(
                "shopIds holds 2001 IDs; at most 2000 in a request: put more in an S3 manifest",
                error("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopIds\":" + many + "]}"));
    }

    @Test
    void badShopIdsAreSkippedAndReportedByPosition() throws Exception {
        Plan p = backfill("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopIds\":[\"a\",\" \",\"a\",7,"
                + "{\"x\":1},\"b c\"]}");
        assertEquals(ShopSpec.list(List.of("a", "7")), p.shops());
        assertEquals(
                List.of(
                        new ManifestReader.BadRow(2, "shopIds[1] is blank"),
                        new ManifestReader.BadRow(3, "shopIds[2] duplicates shopIds[0] 'a'"),
                        new ManifestReader.BadRow(5, "shopIds[4] is OBJECT, not a string or integer"),
                        new ManifestReader.BadRow(6, "shopIds[5] 'b c' is not 1-64 letters, digits, '-' or '_'")),
                p.badRows());
        assertEquals(
                "shopIds has no valid shop ID (1 bad entries; first: shopIds[0] is blank)",
                error("{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopIds\":[\"\"]}"));
    }
}
