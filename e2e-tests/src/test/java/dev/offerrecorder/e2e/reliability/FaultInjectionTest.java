package dev.offerrecorder.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.runner.InvocationFaults;
import dev.offerrecorder.testkit.runner.InvocationFaults.Action;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.sim.CannedReply;
import dev.offerrecorder.testkit.sim.S3FaultProxy;
import dev.offerrecorder.testkit.sim.S3Faults;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import dev.offerrecorder.testkit.support.Table;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected end to end on the embedded AWS: the whole pipeline runs one backfill of 200 jobs while the API,
 * S3, the worker's containers or SQS misbehave, then every job is accounted for: in the table exactly once after
 * compaction, or in the job DLQ with the reason the worker gave; none lost. Where jobs end in the DLQ, the replay
 * function replays them once the fault is gone, and then every job must be in the table exactly once.
 *
 * <p>Each scenario prints one line per stage ({@code RELIABILITY ...}); docs/reliability.md quotes them. Run alone:
 * {@code ./mvnw -pl local test-compile surefire:test -Dgroups=faults}.
 */
@Tag("faults")
class FaultInjectionTest {
    /** The DLQ reason of a job whose invocations were all abandoned: the worker itself never failed it. */
    static final String ABANDONED = "abandoned by crashed invocations (no failure logged)";

    @TempDir
    Path dir;

    @Test
    void apiErrorBurstsCostRetriesNotJobs() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "api-error-bursts", FaultRig.Settings.defaults())) {
            CalcApiSimulator api = rig.pipeline().api();
            rig.submitBackfill();
            for (int burst = 0; burst < 3; burst++) {
                api.setFaults(SimulatorFaults.none().withErrorRate(0.9));
                Thread.sleep(600);
                api.setFaults(SimulatorFaults.none().withErrorRate(0.05));
                Thread.sleep(600);
            }
            api.setFaults(SimulatorFaults.none());
            Reconciliation r = rig.settle("final", null);
            assertTrue(api.faultCounts().errors() > 0, "the bursts must have failed some calls");
            finish(rig, r, null);
        }
    }

    /**
     * S3 as unkind as it is: every second raw-log notification delivered twice, an s3:TestEvent among them, the
     * backfill submitted twice, and compaction of the marked partitions running again and again while the
     * transforms are still writing. After
     * the pipeline settles, one more scheduled-style run (no per-date compaction) must leave one row per job.
     */
    @Test
    void duplicateNotificationsAndCompactionDuringTransformsLeaveOneRowPerJob() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "unkind-notifications", FaultRig.Settings.defaults())) {
            rig.pipeline().notifications().unkind(2, true);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger compactions = new AtomicInteger();
            List<String> compactionErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread compactor = Thread.ofPlatform()
                    .name("compaction-during-transform")
                    .start(() -> {
                        while (!stop.get()) {
                            try {
                                rig.pipeline().invokePendingCompaction(FaultRig.TO);
                                compactions.incrementAndGet();
                                Thread.sleep(200);
                            } catch (InterruptedException e) {
                                return;
                            } catch (Exception e) {
                                compactionErrors.add(String.valueOf(e));
                            }
                        }
                    });
            // Submitted twice: every job recorded twice, in raw logs of other compositions, so rows are duplicated
            // in the table until compaction (the notification duplicates alone rewrite the same parts).
            rig.submitBackfill();
            rig.submitBackfill();
            rig.pipeline().awaitQuiet(Duration.ofMinutes(2), p -> {});
            stop.set(true);
            compactor.join();
            assertEquals(List.of(), compactionErrors, "compaction during the transforms must not fail");
            assertTrue(compactions.get() > 1, "compaction must have run while the pipeline worked");
            assertTrue(rig.pipeline().notifications().duplicatesSent() > 0, "duplicate notifications were sent");

            JsonNode last = rig.pipeline().invokePendingCompaction(FaultRig.TO);
            assertEquals(0, last.path("failed").size(), last.toString());
            Map<String, Long> counts = rig.tableCounts();
            assertEquals(
                    counts.size(),
                    counts.values().stream().mapToLong(Long::longValue).sum(),
                    "count(*) == count(DISTINCT shop_id, target_date) after the scheduled-style run alone");
            Reconciliation r = rig.settle("final", null);
            finish(rig, r, null);
        }
    }

    @Test
    void aFullOutageParksJobsInTheDlqAndReplayRecordsThem() throws Exception {
        // maxReceiveCount 2 with retry delays of 1-2 s: a 4.5 s outage outlasts every job's receives.
        var settings = FaultRig.Settings.defaults().withMaxReceiveCount(2);
        try (FaultRig rig = FaultRig.start(dir, "api-outage", settings)) {
            CalcApiSimulator api = rig.pipeline().api();
            api.setFaults(SimulatorFaults.none().withOutage(true));
            rig.submitBackfill();
            Thread.sleep(4_500);
            api.setFaults(SimulatorFaults.none());
            Reconciliation r = rig.settle("final", null);
            assertTrue(api.faultCounts().errors() > 0, "the outage must have answered 500s");
            finish(rig, r, null);
        }
    }

    @Test
    void anApiSlowerThanTheCallTimeoutCostsRetriesNotJobs() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "api-slow", FaultRig.Settings.defaults())) {
            CalcApiSimulator api = rig.pipeline().api();
            // 800 ms on top of every answer against a 300 ms call timeout: every call times out while it lasts.
            api.setFaults(SimulatorFaults.none().withExtraLatency(800));
            rig.submitBackfill();
            awaitUntil(() -> rig.tap().timeouts() >= 20);
            api.setFaults(SimulatorFaults.none());
            Reconciliation r = rig.settle("final", null);
            assertTrue(rig.tap().timeouts() > 0, "calls must have timed out (worker log)");
            finish(rig, r, null);
        }
    }

    @Test
    void a429StormWithRetryAfterIsWaitedOut() throws Exception {
        // Retry-After: 1 s, so an invocation needs room for a wait and a second attempt.
        var settings = FaultRig.Settings.defaults().withMaxReceiveCount(3).withWorkerTimeout(Duration.ofMillis(2500));
        try (FaultRig rig = FaultRig.start(dir, "api-429-storm", settings)) {
            CalcApiSimulator api = rig.pipeline().api();
            api.setFaults(SimulatorFaults.none().withThrottleRate(0.8));
            rig.submitBackfill();
            awaitUntil(() -> api.faultCounts().throttled() >= 150);
            api.setFaults(SimulatorFaults.none());
            Reconciliation r = rig.settle("final", null);
            assertTrue(api.faultCounts().throttled() > 0, "the storm must have answered 429s");
            finish(rig, r, null);
        }
    }

    @Test
    void garbageBodiesAreRecordedOnceAsGarbage() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "api-garbage", FaultRig.Settings.defaults())) {
            CalcApiSimulator api = rig.pipeline().api();
            api.setFaults(SimulatorFaults.none().withGarbageRate(0.3).withGarbageShops(Set.of("1000")));
            rig.submitBackfill();
            Reconciliation r = rig.settle("final", null);
            assertTrue(api.faultCounts().garbage() > 0, "garbage must have been served");
            FaultRig.assertAccountedFor(r);
            assertEquals(r.jobsIn(), r.recorded(), "a garbage answer is definitive: recorded, never parked");

            Map<String, Long> garbageRows = rig.rowsWithOutcome("GARBAGE");
            Set<String> servedGarbage = rig.expectedJobs().stream()
                    .filter(k -> {
                        String[] p = k.split("\\|");
                        return api.answeredGarbage(p[1], LocalDate.parse(p[2]));
                    })
                    .collect(Collectors.toSet());
            assertEquals(
                    servedGarbage, garbageRows.keySet(), "exactly the jobs answered with garbage have GARBAGE rows");
            for (Map<String, Object> row : Table.query(
                    rig.pipeline().tableDir(),
                    "SELECT shop_id, "
                            + "CAST(target_date AS VARCHAR) AS d, offer_amount FROM {table} WHERE outcome = 'OK'")) {
                String shop = (String) row.get("shop_id");
                String date = (String) row.get("d");
                assertEquals(
                        CalcApiSimulator.offerAmount(shop, date),
                        ((Number) row.get("offer_amount")).longValue(),
                        "an OK row holds the API's real answer for " + shop + " " + date);
            }
        }
    }

    @Test
    void rawLogWritesS3RefusesAreRetriedBySqs() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "s3-write-refused", FaultRig.Settings.defaults())) {
            rig.proxy()
                    .setFaults(S3Faults.puts(
                            rig.pipeline().stack().layout().rawBucket(), "raw/", 3, S3Faults.Mode.REJECT));
            rig.submitBackfill();
            awaitUntil(() -> rig.proxy().stats().rejectedCalls() >= 3);
            rig.proxy().setFaults(S3Faults.none());
            Reconciliation r = rig.settle("final", null);
            assertTrue(
                    rig.proxy().stats().rejectedCalls() > 0,
                    "S3 must have refused writes: " + rig.proxy().stats());
            assertTrue(rig.tap().writeFailures() > 0, "the worker must have seen writes fail");
            finish(rig, r, null);
        }
    }

    @Test
    void rawLogWritesStoredButNeverConfirmedAreRecordedOnce() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "s3-ack-lost", FaultRig.Settings.defaults())) {
            rig.proxy()
                    .setFaults(S3Faults.puts(
                            rig.pipeline().stack().layout().rawBucket(), "raw/", 3, S3Faults.Mode.LOSE_RESPONSE));
            rig.submitBackfill();
            awaitUntil(() -> rig.proxy().stats().lostCalls() >= 3);
            rig.proxy().setFaults(S3Faults.none());
            Reconciliation r = rig.settle("final", null);
            assertTrue(
                    rig.proxy().stats().lostCalls() > 0,
                    "writes must have been stored unconfirmed: " + rig.proxy().stats());
            assertTrue(rig.tap().writeFailures() > 0, "the worker must have seen writes fail");
            finish(rig, r, null);
        }
    }

    @Test
    void workerCrashesBeforeAndAfterItsWorkLoseNothing() throws Exception {
        var settings = FaultRig.Settings.defaults().withMaxReceiveCount(4);
        try (FaultRig rig = FaultRig.start(dir, "worker-crashes", settings)) {
            var runner = rig.pipeline().runner();
            runner.setInvocationFaults(InvocationFaults.everyNth("worker", 4, Action.CRASH_AFTER_HANDLER)
                    .or(InvocationFaults.everyNth("worker", 7, Action.CRASH_BEFORE_HANDLER)));
            rig.submitBackfill();
            awaitUntil(() -> runner.faultsApplied().getOrDefault(Action.CRASH_AFTER_HANDLER, 0L) >= 2
                    && runner.faultsApplied().getOrDefault(Action.CRASH_BEFORE_HANDLER, 0L) >= 2);
            runner.setInvocationFaults(InvocationFaults.none());
            Reconciliation r = rig.settle("final", ABANDONED);
            Map<Action, Long> applied = runner.faultsApplied();
            assertTrue(
                    applied.getOrDefault(Action.CRASH_AFTER_HANDLER, 0L) > 0
                            && applied.getOrDefault(Action.CRASH_BEFORE_HANDLER, 0L) > 0,
                    "both crashes happened: " + applied);
            finish(rig, r, ABANDONED);
        }
    }

    @Test
    void batchesDeliveredTwiceAreRecordedOnce() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "sqs-duplicates", FaultRig.Settings.defaults())) {
            var runner = rig.pipeline().runner();
            runner.setInvocationFaults(InvocationFaults.everyNth("worker", 2, Action.DELIVER_TWICE));
            rig.submitBackfill();
            Reconciliation r = rig.settle("final", null);
            assertTrue(
                    runner.faultsApplied().getOrDefault(Action.DELIVER_TWICE, 0L) > 0,
                    "batches must have been delivered twice");
            finish(rig, r, null);
        }
    }

    /**
     * A backfill big enough to go as slices, whose slice invocations crash before and after their work: a slice
     * that crashed after sending its jobs is delivered again (after the fan-out queue's visibility, 6x the slice
     * function's 3 s timeout here) and sends them again. Nothing is lost, and the table holds each job once.
     */
    @Test
    void slicesCrashingBeforeAndAfterTheirWorkLoseNothing() throws Exception {
        UnaryOperator<PipelineOptions> sliced = o -> o.withLayout(o.layout().withFanoutTimeout(Duration.ofSeconds(3)))
                .withFanoutEnv(Map.of("SLICE_MAX_JOBS", "30", "DEADLINE_RESERVE_MS", "500"));
        try (FaultRig rig = FaultRig.start(dir, "slice-crashes", FaultRig.Settings.defaults(), sliced)) {
            var runner = rig.pipeline().runner();
            runner.setInvocationFaults(InvocationFaults.everyNth("fanout", 2, Action.CRASH_AFTER_HANDLER)
                    .or(InvocationFaults.everyNth("fanout", 3, Action.CRASH_BEFORE_HANDLER)));
            JsonNode plan = rig.pipeline().invokeFanout(rig.backfillRequest());
            assertTrue(plan.path("slices").asInt() > 1, "the run must go as slices: " + plan);
            awaitUntil(() -> runner.faultsApplied().getOrDefault(Action.CRASH_AFTER_HANDLER, 0L) >= 1
                    && runner.faultsApplied().getOrDefault(Action.CRASH_BEFORE_HANDLER, 0L) >= 1);
            runner.setInvocationFaults(InvocationFaults.none());
            Reconciliation r = rig.settle("final", null);
            Map<Action, Long> applied = runner.faultsApplied();
            assertTrue(
                    applied.getOrDefault(Action.CRASH_AFTER_HANDLER, 0L) > 0
                            && applied.getOrDefault(Action.CRASH_BEFORE_HANDLER, 0L) > 0,
                    "both slice crashes happened: " + applied);
            finish(rig, r, null);
        }
    }

    @Test
    void theSameBackfillSubmittedTwiceIsRecordedOnce() throws Exception {
        try (FaultRig rig = FaultRig.start(dir, "backfill-twice", FaultRig.Settings.defaults())) {
            JsonNode first = rig.submitBackfill();
            JsonNode second = rig.submitBackfill();
            assertEquals(first.path("runId").asText(), second.path("runId").asText(), "one run ID");
            Reconciliation r = rig.settle("final", null);
            finish(rig, r, null);
        }
    }

    /**
     * An API answer that is a JSON object with a mistyped field (offer_amount as a string) is garbage as much as an
     * HTML page is: the worker records it (it is a definitive answer) and the table must hold it once, as a GARBAGE
     * row that says why. (Until 9975aa2 the transform quarantined the line and the job was lost.)
     */
    @Test
    void aMistypedJsonAnswerIsStillOneRowInTheTable() throws Exception {
        Set<String> mistyped = Set.of("1001", "1002", "1003");
        try (FaultRig rig = FaultRig.start(dir, "api-mistyped-json", FaultRig.Settings.defaults())) {
            Map<String, CannedReply> canned = new HashMap<>();
            for (String shop : mistyped) {
                canned.put(
                        shop,
                        new CannedReply(
                                200,
                                Map.of("Content-Type", "application/json"),
                                "{\"shop_id\":\"" + shop + "\",\"offer_amount\":\"12,000\",\"currency\":\"JPY\"}"));
            }
            rig.pipeline().api().setFaults(SimulatorFaults.none().withCannedReplies(canned));
            rig.submitBackfill();
            Reconciliation r = rig.settle("final", null);
            assertEquals(
                    0,
                    r.lost(),
                    "a worker-acknowledged answer must not vanish into quarantine: " + r.lostSample() + " -- "
                            + r.line());
            FaultRig.assertAccountedFor(r);
            var rows = Table.query(
                    rig.pipeline().tableDir(),
                    "SELECT shop_id, outcome, error FROM {table} " + "WHERE shop_id IN ('1001', '1002', '1003')");
            assertEquals(6, rows.size(), "3 shops x 2 days: " + rows);
            for (Map<String, Object> row : rows) {
                assertEquals("GARBAGE", row.get("outcome"), row.toString());
                assertTrue(String.valueOf(row.get("error")).contains("offer_amount"), "the row says why: " + row);
            }
        }
    }

    /** The transform's Parquet parts refused by S3: the raw object's message fails and SQS brings it back. */
    @Test
    void transformPartWritesRefusedAreRetried() throws Exception {
        S3FaultProxy.Stats s = underTransformOrCompactionFaults(
                "transform-parts-refused",
                FaultRig::transformProxy,
                bucket -> S3Faults.puts(bucket, TableKeys.TABLE_PREFIX, 3, S3Faults.Mode.REJECT),
                stats -> stats.rejectedCalls() >= 3,
                false);
        assertTrue(s.rejectedCalls() > 0, "S3 must have refused parts: " + s);
    }

    /** Parts stored but never confirmed: the retried transform writes the same part key again, then its marker. */
    @Test
    void transformPartWritesStoredButNeverConfirmedAreRecordedOnce() throws Exception {
        S3FaultProxy.Stats s = underTransformOrCompactionFaults(
                "transform-parts-ack-lost",
                FaultRig::transformProxy,
                bucket -> S3Faults.puts(bucket, TableKeys.TABLE_PREFIX, 3, S3Faults.Mode.LOSE_RESPONSE),
                stats -> stats.lostCalls() >= 3,
                false);
        assertTrue(s.lostCalls() > 0, "parts must have been stored unconfirmed: " + s);
    }

    /** Compaction markers refused and stored-unconfirmed in turn: parts are written, their marker fails. */
    @Test
    void transformMarkerWritesRefusedOrUnconfirmedLeaveNoPartUnmarked() throws Exception {
        S3FaultProxy.Stats s = underTransformOrCompactionFaults(
                "transform-markers",
                FaultRig::transformProxy,
                bucket -> S3Faults.puts(bucket, TableKeys.COMPACTION_PENDING_PREFIX, 2, S3Faults.Mode.ALTERNATE),
                stats -> stats.rejectedCalls() >= 2 && stats.lostCalls() >= 2,
                false);
        assertTrue(s.rejectedCalls() > 0 && s.lostCalls() > 0, "markers refused and unconfirmed: " + s);
    }

    /** Compaction's rewritten files refused and stored-unconfirmed in turn, while transforms write. */
    @Test
    void compactionRewritesRefusedOrUnconfirmedLeaveOneRowPerJob() throws Exception {
        S3FaultProxy.Stats s = underTransformOrCompactionFaults(
                "compaction-rewrites",
                FaultRig::compactionProxy,
                bucket -> S3Faults.puts(bucket, TableKeys.TABLE_PREFIX, 2, S3Faults.Mode.ALTERNATE),
                stats -> stats.rejectedCalls() >= 2 && stats.lostCalls() >= 2,
                true);
        assertTrue(s.rejectedCalls() > 0 && s.lostCalls() > 0, "rewrites refused and unconfirmed: " + s);
    }

    /** Compaction's deletes (replaced files, cleared markers) refused and done-unconfirmed in turn. */
    @Test
    void compactionDeletesRefusedOrUnconfirmedLeaveOneRowPerJob() throws Exception {
        S3FaultProxy.Stats s = underTransformOrCompactionFaults(
                "compaction-deletes",
                FaultRig::compactionProxy,
                bucket -> S3Faults.deletes(bucket, "", 2, S3Faults.Mode.ALTERNATE),
                stats -> stats.rejectedCalls() >= 2 && stats.lostCalls() >= 2,
                true);
        assertTrue(s.rejectedCalls() > 0 && s.lostCalls() > 0, "deletes refused and unconfirmed: " + s);
    }

    /**
     * One S3 fault on the transform's or compaction's calls: the backfill is submitted twice (every job twice in
     * the table until compaction) while compaction of the marked partitions runs every 200 ms; the fault stays on
     * until it struck, then the pipeline settles. One marked-partitions run alone (what the schedule does) must then
     * leave {@code count(*) == count(DISTINCT shop_id, target_date)}, and every job is accounted for.
     *
     * @param compactionFaults whether the fault is on compaction's calls, whose runs must then have failed
     * @return the faulted proxy's figures
     */
    private S3FaultProxy.Stats underTransformOrCompactionFaults(
            String scenario,
            Function<FaultRig, S3FaultProxy> target,
            Function<String, S3Faults> faults,
            Predicate<S3FaultProxy.Stats> struck,
            boolean compactionFaults)
            throws Exception {
        // A 2 s transform timeout, so a failed raw object comes back after 12 s rather than 2 minutes.
        var settings = FaultRig.Settings.defaults().withTransformTimeout(Duration.ofSeconds(2));
        try (FaultRig rig = FaultRig.start(dir, scenario, settings)) {
            S3FaultProxy proxy = target.apply(rig);
            proxy.setFaults(faults.apply(rig.pipeline().stack().layout().platformBucket()));
            AtomicBoolean stop = new AtomicBoolean();
            List<String> compactionErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread compactor = Thread.ofPlatform()
                    .name("compaction-under-faults")
                    .start(() -> {
                        while (!stop.get()) {
                            try {
                                rig.pipeline().invokePendingCompaction(FaultRig.TO);
                            } catch (Exception e) {
                                compactionErrors.add(String.valueOf(e));
                            }
                            try {
                                Thread.sleep(200);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
            try {
                rig.submitBackfill();
                rig.submitBackfill();
                awaitUntil(() -> struck.test(proxy.stats()));
                proxy.setFaults(S3Faults.none());
                rig.pipeline().awaitQuiet(Duration.ofMinutes(2), p -> {});
            } finally {
                stop.set(true);
                compactor.join();
            }
            S3FaultProxy.Stats stats = proxy.stats();
            if (compactionFaults) {
                assertTrue(!compactionErrors.isEmpty(), "compaction runs must have failed: " + stats);
            }
            JsonNode last = rig.pipeline().invokePendingCompaction(FaultRig.TO);
            assertEquals(0, last.path("failed").size(), last.toString());
            Map<String, Long> counts = rig.tableCounts();
            assertEquals(
                    counts.size(),
                    counts.values().stream().mapToLong(Long::longValue).sum(),
                    "count(*) == count(DISTINCT shop_id, target_date) after the scheduled-style run alone");
            Reconciliation r = rig.settle("final", null);
            System.out.println("RELIABILITY " + scenario + " faults: " + stats + ", failed compaction runs "
                    + compactionErrors.size());
            finish(rig, r, null);
            return stats;
        }
    }

    /**
     * Keeps a fault on until it has visibly struck (or 10 s passed; the scenario's own check then says it never
     * did), so scenarios take as long as their fault needs rather than a fixed sleep.
     */
    private static void awaitUntil(BooleanSupplier struck) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!struck.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Checks the settled state, then replays the DLQ if anything is parked and checks again. */
    private static void finish(FaultRig rig, Reconciliation r, String noLoggedReason) throws Exception {
        FaultRig.assertAccountedFor(r);
        if (r.inDlq() > 0) {
            Reconciliation replayed = rig.replayDlqAndSettle(noLoggedReason);
            FaultRig.assertAccountedFor(replayed);
            assertEquals(0, replayed.inDlq(), "the replay emptied the DLQ -- " + replayed.line());
            assertEquals(
                    replayed.jobsIn(),
                    replayed.recorded(),
                    "every job recorded after the replay -- " + replayed.line());
        } else {
            assertEquals(r.jobsIn(), r.recorded(), "nothing parked, so everything recorded -- " + r.line());
        }
    }
}
