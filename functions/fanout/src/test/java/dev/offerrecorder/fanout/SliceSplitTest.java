package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Slicing covers every (shop, date) of a plan exactly once, whatever the sizes. */
class SliceSplitTest {
    private static FanoutService service(int sliceMaxJobs) {
        var config = FanoutConfig.from(
                new Env(Map.of("JOB_QUEUE_URL", "http://q", "SLICE_MAX_JOBS", Integer.toString(sliceMaxJobs))));
        return new FanoutService(
                config,
                null,
                new ManifestReader(null),
                Clock.systemUTC(),
                new JsonLog("test", new PrintStream(OutputStream.nullOutputStream())));
    }

    private static Plan plan(ShopSpec shops, long shopCount, int days, long limit) {
        LocalDate from = LocalDate.of(2024, 2, 27);
        return new Plan(
                "backfill", "r", from, from.plusDays(days - 1), shops, shopCount, 0, List.of(), false, limit, 100);
    }

    /** Every job the slices enumerate, as "shop|date", failing on any repeat. */
    private static Set<String> enumerate(List<Slice> slices) {
        Set<String> jobs = new HashSet<>();
        for (Slice s : slices) {
            for (long k = s.cursor(); k < s.totalJobs(); k++) {
                long shop = s.shopAt(k);
                String id =
                        switch (s.shops().type()) {
                            case "range" -> Long.toString(s.shops().rangeFrom() + shop);
                            case "list" -> s.shops().ids().get((int) shop);
                            default -> "m" + shop;
                        };
                assertTrue(jobs.add(id + "|" + s.dateAt(k)), "job enumerated twice: " + id + " " + s.dateAt(k));
            }
        }
        return jobs;
    }

    private static Set<String> expected(long firstShop, long shops, int days) {
        Set<String> out = new HashSet<>();
        for (int d = 0; d < days; d++) {
            for (long s = firstShop; s < firstShop + shops; s++) {
                out.add(s + "|" + LocalDate.of(2024, 2, 27).plusDays(d));
            }
        }
        return out;
    }

    @Test
    void smallPlansAreOneSlice() {
        var slices = service(1000).split(plan(ShopSpec.range(1, 10), 10, 5, Long.MAX_VALUE));
        assertEquals(1, slices.size());
        assertEquals(
                new Slice(
                        "r",
                        1,
                        1,
                        LocalDate.of(2024, 2, 27),
                        LocalDate.of(2024, 3, 2),
                        ShopSpec.range(1, 10),
                        0,
                        10,
                        0,
                        50,
                        0),
                slices.getFirst());
    }

    @Test
    void wideRunsSplitByShopRangeAndDate() {
        // 25 shops x 4 days with at most 10 jobs a slice: 3 shop ranges (10, 10, 5) per date.
        var slices = service(10).split(plan(ShopSpec.range(100, 124), 25, 4, Long.MAX_VALUE));
        assertEquals(12, slices.size());
        assertTrue(slices.stream().allMatch(s -> s.parts() == 12 && s.totalJobs() <= 10));
        assertEquals(expected(100, 25, 4), enumerate(slices));
    }

    @Test
    void narrowRunsSplitByRunsOfDates() {
        // 3 shops x 10 days, 10 jobs a slice: 3 days (9 jobs) per slice, the last slice one day.
        var slices = service(10).split(plan(ShopSpec.range(0, 2), 3, 10, Long.MAX_VALUE));
        assertEquals(List.of(3L, 3L, 3L, 1L), slices.stream().map(Slice::days).toList());
        assertEquals(expected(0, 3, 10), enumerate(slices));
    }

    @Test
    void listSlicesCarryOnlyTheirOwnIds() {
        var ids = List.of("a", "b", "c", "d", "e");
        var slices = service(10).split(plan(ShopSpec.list(ids), 5, 3, Long.MAX_VALUE));
        assertTrue(slices.stream().allMatch(s -> s.shops().ids().size() == s.shopCount() && s.shopStart() == 0));
        Set<String> jobs = enumerate(slices);
        assertEquals(15, jobs.size());
        assertTrue(jobs.contains("e|2024-02-29"));
    }

    @Test
    void aLimitIsSpreadOverTheSlicesInOrder() {
        var slices = service(10).split(plan(ShopSpec.range(1, 25), 25, 4, 33));
        assertEquals(33, slices.stream().mapToLong(Slice::totalJobs).sum());
        assertEquals(33, enumerate(slices).size());
    }

    @Test
    void hugeRunsAreCappedInSliceCount() {
        var slices = service(10).split(plan(ShopSpec.range(1, 1_000_000), 1_000_000, 30, Long.MAX_VALUE));
        assertTrue(slices.size() <= FanoutService.MAX_SLICES + 30, "slices: " + slices.size());
        assertEquals(30_000_000L, slices.stream().mapToLong(Slice::totalJobs).sum());
    }

    @Test
    void slicesSurviveTheQueueAsJsonAndResumeAtTheirCursor() throws Exception {
        ObjectMapper mapper = Json.newMapper();
        Slice s = new Slice(
                "r",
                2,
                3,
                LocalDate.of(2024, 1, 1),
                LocalDate.of(2024, 1, 2),
                ShopSpec.manifest("s3://b/k", "shop_id", "\"e\""),
                10,
                20,
                0,
                20,
                0);
        Slice back = mapper.readValue(mapper.writeValueAsString(s.resumeAt(7, 1)), Slice.class)
                .check();
        assertEquals(s.resumeAt(7, 1), back);
        assertEquals(LocalDate.of(2024, 1, 2), back.dateAt(10));
        assertEquals(17, back.shopAt(7));
    }
}
