package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A raw object with broken lines, wrong types and a truncated gzip tail: good rows land, bad lines land in
 * quarantine with reason, source and line number, and the counts add up.
 */
@WithEmbeddedStack
class QuarantineTest {
    @TempDir
    static Path dir;

    static EmbeddedStack stack;
    final ObjectMapper mapper = Json.newMapper();

    @Test
    void badLinesAndABrokenTailAreQuarantinedAndNothingVanishesFromTheCounts() throws Exception {
        LocalDate date = LocalDate.of(2032, 1, 1);
        Instant at = Instant.parse("2032-01-02T00:00:00Z");
        String good = RawObjects.line(RawObjects.ok("run-q", "1", date, 100, at));
        List<String> lines = new ArrayList<>(List.of(
                good, // 1 row
                "{\"v\":1,\"runId\":\"run-q\",\"shopId\":", // 2 broken JSON
                good.replace("\"shopId\":\"1\"", "\"shopId\":\"2\"")
                        .replace("\"offer_amount\\\":100", "\"offer_amount\\\":\\\"100\\\""), // 3 GARBAGE row
                good.replace("\"shopId\":\"1\",", ""), // 4 shopId missing
                "", // 5 blank
                good.replace("\"shopId\":\"1\"", "\"shopId\":\"3\"")
                        .replace("\"httpStatus\":200", "\"httpStatus\":\"200\""), // 6 status as text
                RawObjects.line(RawObjects.notFound("run-q", "4", date, at)), // 7 row (404)
                good.replace("\"shopId\":\"1\"", "\"shopId\":\"5\"")
                        .replace("\"2032-01-01\"", "\"2032-02-30\""), // 8 impossible date
                good.replace("\"shopId\":\"1\"", "\"shopId\":\"6\"")
                        .replace("\"2032-01-01\"", "\"2101-01-01\""))); // 9 no job has it
        // Line 10: a second gzip member cut short, as an interrupted upload would leave it.
        byte[] head = RawObjects.gzip(lines);
        String lost = good.replace("\"shopId\":\"1\"", "\"shopId\":\"7\"");
        byte[] tailMember = RawObjects.gzip(List.of(lost));
        byte[] tail = Arrays.copyOf(tailMember, tailMember.length - 12);
        byte[] object = new byte[head.length + tail.length];
        System.arraycopy(head, 0, object, 0, head.length);
        System.arraycopy(tail, 0, object, head.length, tail.length);
        String key = "raw/dt=2032-01-01/run=run-q/part-qqqq.jsonl.gz";
        RawObjects.put(stack, key, object);

        var log = new ByteArrayOutputStream();
        var service = new TransformService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("work")),
                new JsonLog("transform", new PrintStream(log, true, StandardCharsets.UTF_8)));
        TransformResult result = service.transform(stack.layout().rawBucket(), key);

        assertEquals(10, result.linesIn(), "9 lines and the broken tail");
        assertEquals(3, result.rowsOut());
        assertEquals(1, result.reclassified(), "the mistyped answer is a GARBAGE row");
        assertEquals(7, result.quarantined());
        assertTrue(result.truncated());
        assertEquals(result.linesIn(), result.rowsOut() + result.quarantined());
        assertEquals("quarantine/" + key + ".jsonl", result.quarantineObject());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("\"linesIn\":10"), log.toString());

        var rows = RawObjects.query(
                stack,
                "SELECT shop_id, outcome, error, offer_amount, response_json FROM {table} "
                        + "WHERE dt = DATE '2032-01-01' ORDER BY shop_id");
        assertEquals(
                List.of("1", "2", "4"), rows.stream().map(r -> r.get("shop_id")).toList());
        assertEquals(
                List.of("OK", "GARBAGE", "NOT_FOUND"),
                rows.stream().map(r -> r.get("outcome")).toList());
        Map<String, Object> garbage = rows.get(1);
        assertEquals("transform: response field 'offer_amount' must be INT64, got \"100\"", garbage.get("error"));
        assertNull(garbage.get("offer_amount"));
        assertTrue(((String) garbage.get("response_json")).contains("\"offer_amount\":\"100\""), "body kept");

        String quarantine = stack.s3()
                .getObjectAsBytes(r -> r.bucket(stack.layout().platformBucket()).key(result.quarantineObject()))
                .asUtf8String();
        List<JsonNode> entries = new ArrayList<>();
        for (String l : quarantine.split("\n")) {
            entries.add(mapper.readTree(l));
        }
        assertEquals(
                List.of(2L, 4L, 5L, 6L, 8L, 9L, 10L),
                entries.stream().map(e -> e.path("line").asLong()).toList());
        String source = "s3://" + stack.layout().rawBucket() + "/" + key;
        entries.forEach(e -> assertEquals(source, e.path("source").asText()));
        assertTrue(
                entries.get(0).path("reason").asText().startsWith("not valid JSON"),
                entries.get(0).toString());
        assertEquals(lines.get(1), entries.get(0).path("raw").asText(), "the bad line is kept verbatim");
        assertEquals(
                "required field 'shopId' is missing",
                entries.get(1).path("reason").asText());
        assertEquals("blank line", entries.get(2).path("reason").asText());
        assertTrue(
                entries.get(3).path("reason").asText().startsWith("field 'httpStatus' must be INT32, got \"200\""),
                entries.get(3).toString());
        assertTrue(
                entries.get(4).path("reason").asText().startsWith("field 'targetDate' must be DATE"),
                entries.get(4).toString());
        assertTrue(
                entries.get(5)
                        .path("reason")
                        .asText()
                        .startsWith("field 'targetDate' cannot be a job's date: date 2101-01-01"),
                entries.get(5).toString());
        JsonNode broken = entries.get(6);
        assertTrue(broken.path("reason").asText().startsWith("gzip stream broken after line 9"), broken.toString());
        String partial = broken.path("raw").asText("");
        assertTrue(partial.length() > 20 && !partial.endsWith("}"), "only part of line 10 was readable: " + partial);
        assertTrue(lost.startsWith(partial), "what was readable of line 10 is kept: " + partial);
    }
}
