package dev.offerrecorder.e2e.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.support.Table;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton's promise: fan-out, workers and transform on the embedded AWS, every Parquet row checked
 * against the simulator's formula, 404 rows for unknown shops, no job missing and none twice.
 */
class PipelineEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void recordsEveryJobOnceWithTheSimulatorsValues() throws Exception {
        long firstShop = 990;
        long lastShop = 1999; // 997 and 1994 are unknown shops (multiples of 997)
        LocalDate from = LocalDate.of(2024, 1, 30);
        LocalDate to = LocalDate.of(2024, 2, 1);
        var options = PipelineOptions.defaults(dir).withApi(8, 10, 2, 0.0);
        try (LocalPipeline pipeline = LocalPipeline.start(options)) {
            assertEquals(CalcApiSimulator.Overload.DEGRADE, pipeline.api().overload(), "as unkind as production");
            var summary = pipeline.invokeFanout("{\"from\":\"" + from + "\",\"to\":\"" + to
                    + "\",\"shopRange\":{\"from\":" + firstShop + ",\"to\":" + lastShop + "},\"runId\":\"e2e\"}");
            long shops = lastShop - firstShop + 1;
            long jobs = shops * 3;
            assertEquals(jobs, summary.path("jobsPlanned").asLong(), summary.toString());

            pipeline.awaitQuiet(Duration.ofMinutes(3), p -> {});

            assertEquals(0, pipeline.dlqDepth(), "no job may end in the DLQ");
            assertEquals(jobs, pipeline.rawRecords(), "one raw-log line per job");
            assertEquals(jobs, pipeline.parquetRows(), "one Parquet row per job");

            List<Map<String, Object>> rows = Table.query(
                    pipeline.tableDir(),
                    "SELECT shop_id, CAST(target_date AS VARCHAR) AS target_date, CAST(dt AS VARCHAR) AS dt, "
                            + "offer_amount, currency, eligible, anomaly_score, model_version, http_status, outcome, "
                            + "run_id FROM {table}");
            assertEquals(jobs, rows.size());
            Set<String> seen = new HashSet<>();
            int notFound = 0;
            for (Map<String, Object> row : rows) {
                String shop = (String) row.get("shop_id");
                String date = (String) row.get("target_date");
                assertTrue(seen.add(shop + "|" + date), "duplicate row for " + shop + " " + date);
                assertEquals(date, row.get("dt"), "partition matches target_date");
                assertEquals("e2e", row.get("run_id"));
                long shopNo = Long.parseLong(shop);
                assertTrue(shopNo >= firstShop && shopNo <= lastShop, "unexpected shop " + shop);
                LocalDate d = LocalDate.parse(date);
                assertTrue(!d.isBefore(from) && !d.isAfter(to), "unexpected date " + date);
                if (shopNo % 997 == 0) {
                    notFound++;
                    assertEquals("NOT_FOUND", row.get("outcome"));
                    assertEquals(404, ((Number) row.get("http_status")).intValue());
                    assertNull(row.get("offer_amount"));
                } else {
                    assertEquals("OK", row.get("outcome"), shop + " " + date);
                    assertEquals(200, ((Number) row.get("http_status")).intValue());
                    assertEquals(
                            CalcApiSimulator.offerAmount(shop, date),
                            ((Number) row.get("offer_amount")).longValue(),
                            "offer_amount of " + shop + " " + date);
                    assertEquals(CalcApiSimulator.eligible(shop, date), row.get("eligible"));
                    assertEquals(
                            CalcApiSimulator.anomalyScore(shop, date),
                            ((Number) row.get("anomaly_score")).doubleValue(),
                            1e-12);
                    assertEquals("JPY", row.get("currency"));
                    assertEquals("sim-1", row.get("model_version"));
                }
            }
            assertEquals(2 * 3, notFound, "shops 997 and 1994 on 3 days answer 404");
        }
    }
}
