package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A backfill of 50,000 manifest shops over 3 days (150,000 jobs), cut into slices by date and manifest range,
 * with every slice invocation given so little time that it must hand over again and again: every (shop, date)
 * must come out of the job queue exactly once.
 */
@WithEmbeddedStack
class FanoutScaleTest {
    static final int SHOPS = 50_000;
    static final int DAYS = 3;
    static final LocalDate FROM = LocalDate.of(2024, 2, 28);

    static EmbeddedStack stack;
    static FanoutKit kit;

    @BeforeAll
    static void start() throws Exception {
        kit = new FanoutKit(stack);
    }

    /** A gzip CSV manifest with the ID in the second column, as exported from a shop database. */
    static byte[] manifest() throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
            w.write("region,shop_id,name\n");
            for (int i = 1; i <= SHOPS; i++) {
                w.write("r" + (i % 7) + ",S" + i + ",\"Shop " + i + ", Ltd\"\n");
            }
        }
        return bytes.toByteArray();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    @Test
    void everyShopAndDateIsEnqueuedExactlyOnceThroughSlicesAndRepeatedHandOvers() throws Exception {
        String uri = kit.put("manifests/all-shops.csv.gz", manifest());
        // 20,000 jobs per slice: 50,000 shops split into 3 manifest ranges, for each of the 3 dates = 9 slices.
        // Each slice invocation gets 2.5 s and must hand over once less than 1 s is left: 1.5 s of sending.
        Env env = stack.fanoutEnv()
                .with("SLICE_MAX_JOBS", "20000")
                .with("DEADLINE_RESERVE_MS", "1000")
                .with("SEND_CONCURRENCY", "6");
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        JsonNode summary = kit.invoke(env, """
                {"from":"%s","to":"%s","manifest":"%s","runId":"scale-1"}
                """.formatted(FROM, FROM.plusDays(DAYS - 1), uri));
        assertEquals("sliced", summary.path("status").asText(), summary.toString());
        assertEquals(9, summary.path("slices").asInt(), summary.toString());
        assertEquals((long) SHOPS * DAYS, summary.path("jobsPlanned").asLong());
        assertEquals(0, summary.path("badRows").asLong());
        long t1 = System.nanoTime();

        // Slice invocations and the drain of the job queue run at the same time, as workers would.
        var driven = new AtomicReference<FanoutKit.Driven>();
        var failure = new AtomicReference<Throwable>();
        Thread driver = Thread.ofPlatform().name("fanout-driver").start(() -> {
            try {
                driven.set(kit.driveFanoutQueue(env, 3, Duration.ofMillis(2500)));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        FanoutKit.Drained drained = kit.drainJobs(4, driver::isAlive);
        driver.join();
        long t2 = System.nanoTime();
        if (failure.get() != null) {
            throw new AssertionError("driving the fan-out queue failed", failure.get());
        }
        assertEquals(List.of(), driven.get().errors());
        int handovers = driven.get().messages() - 9;
        // Wall time depends on what else runs on the machine; CPU time (ElasticMQ, S3Proxy and the SDK all run in
        // this JVM) says what the test itself costs.
        System.out.printf(
                "scale: plan %d ms, %d slice invocations (%d hand-overs) and drain %d ms, process CPU %d s,"
                        + " load average %.1f%n",
                (t1 - t0) / 1_000_000,
                driven.get().invocations(),
                handovers,
                (t2 - t1) / 1_000_000,
                (processCpuNanos() - cpu0) / 1_000_000_000,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        // Finishing a 20,000-job slice inside one 1.5 s window would take 13,000 jobs/s per invocation, several
        // times what ElasticMQ in this JVM accepts from all invocations together: every slice hands over.
        assertTrue(
                handovers >= 9,
                "each slice handed over at least once; slice messages handled: "
                        + driven.get().messages());
        assertEquals(0, drained.duplicates(), "no job enqueued twice");
        assertEquals((long) SHOPS * DAYS, drained.distinct(), "every (shop, date) enqueued");
        assertEquals(Set.of("scale-1"), drained.runIds());
        for (String key : drained.countByKey().keySet()) {
            String[] parts = key.split("\\|");
            int shop = Integer.parseInt(parts[1].substring(1));
            LocalDate date = LocalDate.parse(parts[2]);
            assertTrue(parts[1].startsWith("S") && shop >= 1 && shop <= SHOPS, key);
            assertTrue(!date.isBefore(FROM) && date.isBefore(FROM.plusDays(DAYS)), key);
        }
        for (int day = 0; day < DAYS; day++) {
            for (int shop : new int[] {1, 20_000, 20_001, 40_000, 40_001, SHOPS}) {
                String key = "scale-1|S" + shop + "|" + FROM.plusDays(day);
                assertEquals(1, drained.countByKey().getOrDefault(key, 0), key);
            }
        }
    }
}
