package dev.offerrecorder.testkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The API's busy time (first request to last answer) and the calls its workers served, for the demo and bench. */
class CalcApiSimulatorBusyTimeTest {
    @Test
    void busyTimeRunsFromTheFirstRequestToTheLastAnswer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (CalcApiSimulator api = new CalcApiSimulator(1, 0, 200, 0)) {
            assertEquals(0, api.busySeconds(), "nothing asked yet");
            for (String shop : new String[] {"1", "2"}) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(api.urlTemplate()
                                        .replace("{shopId}", shop)
                                        .replace("{date}", "2024-01-01")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            // Two answers of 200 ms each, one after the other: at least 0.4 s between the first request and the
            // last answer.
            assertTrue(api.busySeconds() >= 0.4, "busy " + api.busySeconds() + " s");
            assertEquals(2, api.served());
        }
    }
}
