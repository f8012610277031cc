package dev.offerrecorder.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The simulator over real HTTP: the formula's answer, and W workers plus a queue before it answers 503. */
class CalcApiSimulatorTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private static URI offer(CalcApiSimulator api, String shop, String date) {
        return URI.create(api.urlTemplate().replace("{shopId}", shop).replace("{date}", date));
    }

    @Test
    void answersTheFormulaForAShopAndDate() throws Exception {
        try (CalcApiSimulator api = new CalcApiSimulator(2, 0, 0, 0)) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(offer(api, "shop-7", "2024-02-29")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(CalcApiSimulator.body("shop-7", "2024-02-29"), r.body());
            assertEquals(1, api.callsFor("shop-7", java.time.LocalDate.parse("2024-02-29")));
        }
    }

    @Test
    void pastItsWorkersAndQueueItAnswers503WithRetryAfter() throws Exception {
        try (CalcApiSimulator api = new CalcApiSimulator(1, 1, 300, 0)) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(http.sendAsync(
                        HttpRequest.newBuilder(offer(api, "s" + i, "2024-01-01"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            long ok = 0;
            long rejected = 0;
            for (var call : calls) {
                HttpResponse<String> r = call.join();
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertTrue(r.headers().firstValue("Retry-After").isPresent());
                    rejected++;
                }
            }
            assertTrue(ok >= 2 && rejected >= 1, "ok " + ok + ", rejected " + rejected);
            assertEquals(rejected, api.stats().rejected());
        }
    }
}
