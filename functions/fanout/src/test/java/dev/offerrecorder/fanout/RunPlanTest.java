package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.run.RunManifest;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.support.RepoFiles;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The fan-out stores each run's plan ({@code runs/RUN.json}) itself, however it was invoked: a plain invocation
 * with events/backfill.json (what {@code sam remote invoke} sends), the daily schedule, a sliced run.
 */
@WithEmbeddedStack
class RunPlanTest {
    static EmbeddedStack stack;
    static FanoutKit kit;

    @BeforeAll
    static void start() {
        kit = new FanoutKit(stack);
    }

    @BeforeEach
    void empty() {
        kit.purge();
        for (S3Object o : plans()) {
            stack.s3().deleteObject(r -> r.bucket(kit.bucket()).key(o.key()));
        }
    }

    private static List<S3Object> plans() {
        return stack.s3()
                .listObjectsV2(r -> r.bucket(kit.bucket()).prefix(RunManifest.PREFIX))
                .contents();
    }

    private static RunManifest plan(String runId) {
        return RunManifest.read(stack.s3(), kit.bucket(), runId)
                .orElseThrow(() -> new AssertionError("no " + RunManifest.key(runId) + " in " + plans()));
    }

    @Test
    void thePlainInvocationOfTheSampleEventStoresItsPlan() throws Exception {
        String event = RepoFiles.event("backfill.json");
        JsonNode summary = kit.invoke(stack.fanoutEnv(), event);
        assertEquals("done", summary.path("status").asText(), summary.toString());

        RunManifest plan = plan("backfill-2024-01-sample");
        assertEquals(RunManifest.VERSION, plan.v());
        assertEquals("backfill", plan.kind());
        assertEquals(11 * 3, plan.jobsPlanned(), "shops 990..1000 x 3 days");
        assertEquals(summary.path("jobsPlanned").asLong(), plan.jobsPlanned());
        assertEquals(LocalDate.parse("2024-01-01"), plan.from());
        assertEquals(LocalDate.parse("2024-01-03"), plan.to());
        assertEquals(1, plan.slices());
        assertTrue(plan.startedAt() != null);
        assertEquals(Json.newMapper().readTree(event), plan.request(), "the request as the fan-out received it");
    }

    @Test
    void aRetriedInvocationRewritesTheSameObject() throws Exception {
        String event = RepoFiles.event("backfill.json");
        kit.invoke(stack.fanoutEnv(), event);
        kit.invoke(stack.fanoutEnv(), event);
        assertEquals(
                List.of(RunManifest.key("backfill-2024-01-sample")),
                plans().stream().map(S3Object::key).toList());
        assertEquals(33, plan("backfill-2024-01-sample").jobsPlanned());
    }

    @Test
    void theDailyScheduleStoresThePlanOfItsDay() throws Exception {
        var csv = new StringBuilder("shop_id\n");
        for (int i = 1; i <= 40; i++) {
            csv.append("S").append(i).append('\n');
        }
        Env env = stack.fanoutEnv().with("SHOP_MANIFEST", kit.put("manifests/plan-daily.csv", csv.toString()));
        // 2024-03-01T15:30Z is 2024-03-02 00:30 in Tokyo: the run records 2024-03-01.
        kit.invoke(env, "{\"schedule\":\"daily\",\"scheduledTime\":\"2024-03-01T15:30:00Z\"}");
        RunManifest plan = plan("daily-2024-03-01");
        assertEquals("schedule", plan.kind());
        assertEquals(40, plan.jobsPlanned());
        assertEquals(LocalDate.parse("2024-03-01"), plan.from());
    }

    @Test
    void aSlicedRunStoresItsWholePlanOnce() throws Exception {
        Env env = stack.fanoutEnv().with("SLICE_MAX_JOBS", "10");
        JsonNode summary = kit.invoke(
                env,
                "{\"from\":\"2024-01-01\",\"to\":\"2024-01-05\",\"shopRange\":{\"from\":1,\"to\":20},"
                        + "\"runId\":\"plan-sliced\"}");
        assertEquals("sliced", summary.path("status").asText(), summary.toString());
        RunManifest plan = plan("plan-sliced");
        assertEquals(100, plan.jobsPlanned(), "every slice's jobs, not the first slice's");
        assertEquals(summary.path("slices").asInt(), plan.slices());
        assertTrue(plan.slices() > 1);
        assertEquals(
                List.of(RunManifest.key("plan-sliced")),
                plans().stream().map(S3Object::key).toList());
    }

    @Test
    void aDryRunStoresNothing() throws Exception {
        kit.invoke(
                stack.fanoutEnv(),
                "{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopIds\":[\"a\"],\"runId\":\"plan-dry\","
                        + "\"dryRun\":true}");
        assertTrue(plans().isEmpty(), "a dry run plans nothing to follow: " + plans());
    }

    @Test
    void aPlanThatCannotBeStoredFailsBeforeAnyJobIsEnqueued() {
        Env env = stack.fanoutEnv().with("RAW_BUCKET", "no-such-bucket-for-plans");
        assertThrows(
                Exception.class,
                () -> kit.invoke(
                        env,
                        "{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"shopIds\":[\"a\",\"b\"],"
                                + "\"runId\":\"plan-unstored\"}"));
        assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), "no job without its plan");
    }

    @Test
    void theFanoutFunctionNamesAMissingRawBucketAtColdStart() {
        Map<String, String> vars = new HashMap<>(stack.fanoutEnv().values());
        vars.remove("RAW_BUCKET");
        ConfigException e = assertThrows(ConfigException.class, () -> new FanoutHandler(new Env(vars)));
        assertTrue(e.getMessage().contains("RAW_BUCKET"), e.getMessage());
        // The slice function plans nothing and needs no bucket: it starts without one.
        new SliceHandler(new Env(vars));
    }
}
