package dev.offerrecorder.e2e.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.support.RepoFiles;
import dev.offerrecorder.worker.BatchResult;
import dev.offerrecorder.worker.WorkerService;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and alert conditions are importable NerdGraph input, and every worker-event attribute their NRQL
 * names is one the worker really records: a renamed field breaks this test, not a chart in production.
 */
class ObservabilityAsCodeTest {
    static final Pattern AGGREGATED =
            Pattern.compile("\\b(?:sum|average|max|min|latest)\\(`?([A-Za-z][\\w.\\-]*)`?\\)");
    final ObjectMapper mapper = Json.newMapper();

    static Set<String> eventAttributes() {
        var sample = new BatchResult(
                List.of(),
                4,
                1,
                1,
                2,
                Map.of("OK", 1),
                Map.of("retries exhausted", 1, "deadline", 1, "raw-log write failed", 1, "invalid message", 1),
                1,
                2,
                3,
                1,
                5,
                2,
                1,
                4,
                100,
                1,
                List.of("run"),
                List.of("2024-01-01"));
        return sample.eventAttributes().keySet();
    }

    static List<String> workerQueryAttributes(String query) {
        List<String> out = new ArrayList<>();
        Matcher m = AGGREGATED.matcher(query);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theDashboardIsNerdGraphInputWhoseWorkerQueriesNameRealAttributes() throws Exception {
        JsonNode dashboard =
                mapper.readTree(Files.readString(RepoFiles.root().resolve("observability/dashboard.json")));
        assertFalse(dashboard.path("name").asText().isBlank());
        Set<String> known = eventAttributes();
        Set<String> titles = new HashSet<>();
        int workerQueries = 0;
        for (JsonNode page : dashboard.path("pages")) {
            for (JsonNode widget : page.path("widgets")) {
                titles.add(widget.path("title").asText());
                assertTrue(widget.path("visualization").path("id").asText().startsWith("viz."), widget.toString());
                JsonNode queries = widget.path("rawConfiguration").path("nrqlQueries");
                assertTrue(queries.size() > 0, widget.path("title").asText());
                for (JsonNode q : queries) {
                    assertEquals("[0]", q.path("accountIds").toString(), "the import step fills in the account");
                    String nrql = q.path("query").asText();
                    if (nrql.contains(WorkerService.EVENT_TYPE) && !nrql.contains("OfferRecorderFanout")) {
                        workerQueries++;
                        for (String attribute : workerQueryAttributes(nrql)) {
                            assertTrue(known.contains(attribute), attribute + " in: " + nrql);
                        }
                    }
                }
            }
        }
        assertTrue(workerQueries >= 6, "progress, throughput, latency, errors, limit and failures come from the event");
        assertTrue(titles.stream().anyMatch(t -> t.contains("DLQ")));
        assertTrue(titles.stream().anyMatch(t -> t.contains("Cold starts")));
        assertTrue(titles.stream().anyMatch(t -> t.contains("duration")));
    }

    @Test
    void theAlertConditionsCoverDlqApiErrorsAndStalledRuns() throws Exception {
        JsonNode alerts =
                mapper.readTree(Files.readString(RepoFiles.root().resolve("observability/alert-conditions.json")));
        Set<String> names = new HashSet<>();
        for (JsonNode condition : alerts.path("conditions")) {
            names.add(condition.path("name").asText());
            String nrql = condition.path("nrql").path("query").asText();
            assertTrue(nrql.startsWith("SELECT "), nrql);
            assertTrue(condition.path("terms").size() > 0);
            for (JsonNode term : condition.path("terms")) {
                assertTrue(Set.of("CRITICAL", "WARNING")
                        .contains(term.path("priority").asText()));
                assertTrue(term.path("thresholdDuration").asInt() >= 60);
            }
            if (nrql.contains(WorkerService.EVENT_TYPE)) {
                for (String attribute : workerQueryAttributes(nrql)) {
                    assertTrue(eventAttributes().contains(attribute), attribute + " in: " + nrql);
                }
            }
        }
        assertEquals(Set.of("Job DLQ growing", "Calculation API error rate", "Stalled run"), names);
    }
}
