package dev.offerrecorder.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary's JSON is what callers and log queries read: its field names and order stay as they are. */
class FanoutSummaryTest {
    private final ObjectMapper mapper = Json.newMapper();

    private List<String> fields(FanoutSummary s) {
        JsonNode node = mapper.valueToTree(s);
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aPlanSummaryHasEveryFieldInItsOrder() throws Exception {
        var s = FanoutSummary.builder("backfill", "handed-over", "r1")
                .scope(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 2), 3, 2)
                .jobs(6, 4)
                .slices(1)
                .handover(1, 4L, "deadline")
                .badRows(1, List.of(new ManifestReader.BadRow(3, "blank shop ID")))
                .dryRun(false)
                .estimate(2.0, 3.0, "PT3S")
                .durationMs(12)
                .build();
        assertEquals(
                List.of(
                        "kind",
                        "status",
                        "runId",
                        "from",
                        "to",
                        "shops",
                        "days",
                        "jobsPlanned",
                        "jobsEnqueued",
                        "slices",
                        "handovers",
                        "resumeAt",
                        "handoverReason",
                        "badRows",
                        "badRowSamples",
                        "dryRun",
                        "ratePerSecond",
                        "estimatedApiSeconds",
                        "estimatedApiDuration",
                        "durationMs"),
                fields(s));
        assertEquals(
                "{\"kind\":\"backfill\",\"status\":\"handed-over\",\"runId\":\"r1\",\"from\":\"2024-01-01\","
                        + "\"to\":\"2024-01-02\",\"shops\":3,\"days\":2,\"jobsPlanned\":6,\"jobsEnqueued\":4,"
                        + "\"slices\":1,\"handovers\":1,\"resumeAt\":4,\"handoverReason\":\"deadline\",\"badRows\":1,"
                        + "\"badRowSamples\":[{\"line\":3,\"reason\":\"blank shop ID\"}],\"dryRun\":false,"
                        + "\"ratePerSecond\":2.0,\"estimatedApiSeconds\":3.0,\"estimatedApiDuration\":\"PT3S\","
                        + "\"durationMs\":12}",
                mapper.writeValueAsString(s));
    }

    @Test
    void aSliceSummaryLeavesOutWhatASliceDoesNotKnow() {
        var s = FanoutSummary.builder("slice", "done", "r1")
                .part("2/5")
                .scope(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 1), 10, 1)
                .jobs(10, 10)
                .slices(1)
                .durationMs(3)
                .build();
        assertEquals(
                List.of(
                        "kind",
                        "status",
                        "runId",
                        "part",
                        "from",
                        "to",
                        "shops",
                        "days",
                        "jobsPlanned",
                        "jobsEnqueued",
                        "slices",
                        "handovers",
                        "badRows",
                        "dryRun",
                        "durationMs"),
                fields(s));
    }
}
