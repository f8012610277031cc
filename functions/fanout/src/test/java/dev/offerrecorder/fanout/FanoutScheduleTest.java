package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The daily schedule: one job per manifest shop for yesterday in Asia/Tokyo, from either kind of schedule. */
@WithEmbeddedStack
class FanoutScheduleTest {
    static EmbeddedStack stack;
    static FanoutKit kit;
    static Env env;

    @BeforeAll
    static void start() throws Exception {
        kit = new FanoutKit(stack);
        // 300 shops, plus rows the run must skip and report: a blank ID and a repeated one.
        var csv = new StringBuilder("shop_id,name\n");
        for (int i = 1; i <= 300; i++) {
            csv.append("T").append(i).append(",shop ").append(i).append('\n');
            if (i == 150) {
                csv.append(",no id\nT7,again\n");
            }
        }
        env = stack.fanoutEnv().with("SHOP_MANIFEST", kit.put("manifests/daily.csv", csv.toString()));
    }

    @BeforeEach
    void empty() {
        kit.purge();
    }

    private static String ruleEvent(String time) {
        return """
                {"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",
                 "source":"aws.events","account":"123456789012","time":"%s","region":"ap-northeast-1",
                 "resources":["arn:aws:events:ap-northeast-1:123456789012:rule/offer-recorder-daily"],"detail":{}}
                """.formatted(time);
    }

    /** Runs a schedule and checks the job queue holds exactly one job per manifest shop for {@code date}. */
    private JsonNode runAndCheck(String event, String date) throws Exception {
        JsonNode summary = kit.invoke(env, event);
        assertEquals("schedule", summary.path("kind").asText(), summary.toString());
        assertEquals("done", summary.path("status").asText());
        assertEquals(date, summary.path("from").asText());
        assertEquals(date, summary.path("to").asText());
        assertEquals("daily-" + date, summary.path("runId").asText());
        assertEquals(300, summary.path("jobsEnqueued").asLong());
        FanoutKit.Drained drained = kit.drainJobs(4);
        Map<String, Integer> expected = new HashMap<>();
        for (int i = 1; i <= 300; i++) {
            expected.put("daily-" + date + "|T" + i + "|" + date, 1);
        }
        assertEquals(expected, drained.countByKey());
        assertEquals(300, drained.messages());
        return summary;
    }

    @Test
    void justAfterTokyoMidnightYesterdayIsTheUtcDate() throws Exception {
        // 2024-03-01T15:30Z is 2024-03-02 00:30 in Tokyo.
        runAndCheck(ruleEvent("2024-03-01T15:30:00Z"), "2024-03-01");
    }

    @Test
    void justBeforeTokyoMidnightYesterdayIsTheDayBefore() throws Exception {
        // 2024-03-01T14:59Z is 2024-03-01 23:59 in Tokyo: yesterday is the leap day.
        runAndCheck(ruleEvent("2024-03-01T14:59:00Z"), "2024-02-29");
    }

    @Test
    void schedulerInputWithTheScheduledTimeWorksTheSameWay() throws Exception {
        runAndCheck("{\"schedule\":\"daily\",\"scheduledTime\":\"2024-03-01T15:00:00Z\"}", "2024-03-01");
    }

    @Test
    void theSchedulerInputTemplateYamlConfiguresWorks() throws Exception {
        // template.yaml's ScheduleV2 Input, as Scheduler delivers it with its context attributes filled in.
        runAndCheck(
                "{\"detail-type\":\"Scheduled Event\",\"source\":\"aws.scheduler\","
                        + "\"time\":\"2024-03-01T15:00:00Z\","
                        + "\"resources\":[\"arn:aws:scheduler:ap-northeast-1:123456789012:schedule/default/daily\"]}",
                "2024-03-01");
    }

    @Test
    void skippedManifestRowsAreReportedWithTheirLine() throws Exception {
        JsonNode summary = runAndCheck(ruleEvent("2024-03-01T15:30:00Z"), "2024-03-01");
        assertEquals(2, summary.path("badRows").asLong());
        assertEquals(152, summary.path("badRowSamples").get(0).path("line").asLong());
        assertEquals(
                "blank shop ID",
                summary.path("badRowSamples").get(0).path("reason").asText());
        assertEquals(153, summary.path("badRowSamples").get(1).path("line").asLong());
        assertEquals(
                "duplicate shop ID 'T7' (first on line 8)",
                summary.path("badRowSamples").get(1).path("reason").asText());
    }

    @Test
    void aRepeatedScheduleKeepsItsRunIdSoDownstreamCompactionDeduplicates() throws Exception {
        JsonNode first = kit.invoke(env, ruleEvent("2024-03-01T15:30:00Z"));
        JsonNode retry = kit.invoke(env, "{\"schedule\":\"daily\",\"scheduledTime\":\"2024-03-01T15:31:00Z\"}");
        assertEquals(first.path("runId").asText(), retry.path("runId").asText());
        FanoutKit.Drained drained = kit.drainJobs(4);
        assertEquals(300, drained.distinct(), "the same 300 job identities");
        assertTrue(drained.countByKey().values().stream().allMatch(n -> n == 2));
    }

    @Test
    void anEmptySchedulerPayloadIsRefusedWithTheInputToConfigure() {
        var e = assertThrows(BadRequestException.class, () -> kit.invoke(env, "{}"));
        assertTrue(
                e.getMessage()
                        .contains("{\"schedule\":\"daily\",\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}"),
                e.getMessage());
    }

    @Test
    void aScheduleWithoutAManifestConfiguredSaysSo() {
        var e = assertThrows(
                BadRequestException.class, () -> kit.invoke(stack.fanoutEnv(), ruleEvent("2024-03-01T15:30:00Z")));
        assertEquals("a schedule needs SHOP_MANIFEST (s3://bucket/key) configured", e.getMessage());
    }
}
