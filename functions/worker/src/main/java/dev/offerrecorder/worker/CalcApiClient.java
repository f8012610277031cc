package dev.offerrecorder.worker;

import dev.offerrecorder.shared.job.Job;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Calls {@code GET {base}/v1/shops/{shopId}/offer?date=...} (the URL template is configuration), bounded by
 * the {@link ApiConcurrencyGate}, with per-call timeouts and {@link RetryPolicy} retries. Returns the
 * definitive answer (2xx, 404, other 4xx) or throws {@link TransientApiFailure} when none came in time.
 */
public final class CalcApiClient {
    private final HttpClient http;
    private final String urlTemplate;
    private final Duration callTimeout;
    private final RetryPolicy retry;
    private final ApiConcurrencyGate gate;
    private final Optional<String> token;

    public CalcApiClient(HttpClient http, String urlTemplate, Duration callTimeout, RetryPolicy retry,
                         ApiConcurrencyGate gate, Optional<String> token) {
        this.http = http;
        this.urlTemplate = urlTemplate;
        this.callTimeout = callTimeout;
        this.retry = retry;
        this.gate = gate;
        this.token = token;
    }

    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The request URL for a job: placeholders replaced by URL-encoded values. Holds no secret. */
    public String urlFor(Job job) {
        return urlTemplate
                .replace("{shopId}", URLEncoder.encode(job.shopId(), StandardCharsets.UTF_8))
                .replace("{date}", URLEncoder.encode(job.date().toString(), StandardCharsets.UTF_8));
    }

    /**
     * Calls the API for one job.
     *
     * @param remainingMillis how long the invocation has left before it must stop starting calls
     * @param headers extra request headers (trace context)
     */
    public ApiCall call(Job job, LongSupplier remainingMillis, Map<String, String> headers)
            throws TransientApiFailure, InterruptedException {
        String url = urlFor(job);
        URI uri = URI.create(url);
        String lastProblem = "no attempt started";
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            if (remainingMillis.getAsLong() <= callTimeout.toMillis()) {
                throw new TransientApiFailure("deadline: invocation time running out before attempt " + attempt
                        + " (last: " + lastProblem + ")", attempt - 1);
            }
            long waitUntil = System.nanoTime() + Duration.ofMillis(
                    Math.max(0, remainingMillis.getAsLong() - callTimeout.toMillis())).toNanos();
            Optional<ApiConcurrencyGate.Permit> slot = gate.acquire(waitUntil);
            if (slot.isEmpty()) {
                throw new TransientApiFailure("deadline: no concurrency slot before the invocation ran short"
                        + " (last: " + lastProblem + ")", attempt - 1);
            }
            ApiConcurrencyGate.Permit permit = slot.get();
            var request = HttpRequest.newBuilder(uri).timeout(callTimeout).GET()
                    .header("Accept", "application/json");
            headers.forEach(request::header);
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            long start = System.nanoTime();
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (HttpTimeoutException e) {
                permit.dropped();
                lastProblem = "timeout after " + callTimeout.toMillis() + " ms";
                sleepBeforeRetry(attempt, Optional.empty(), remainingMillis);
                continue;
            } catch (IOException e) {
                permit.ignore();
                lastProblem = "I/O error: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage());
                sleepBeforeRetry(attempt, Optional.empty(), remainingMillis);
                continue;
            } catch (InterruptedException e) {
                permit.ignore();
                throw e;
            }
            long latencyMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            int status = response.statusCode();
            if (RetryPolicy.isTransient(status)) {
                if (status == 429 || status == 503) {
                    permit.dropped();
                } else {
                    permit.ignore();
                }
                lastProblem = "HTTP " + status;
                Optional<Duration> retryAfter = RetryPolicy.parseRetryAfter(
                        response.headers().firstValue("Retry-After").orElse(null), Instant.now());
                sleepBeforeRetry(attempt, retryAfter, remainingMillis);
                continue;
            }
            permit.success();
            return new ApiCall(url, status, response.body(), latencyMs, attempt);
        }
        throw new TransientApiFailure("gave up after " + retry.maxAttempts() + " attempts (last: " + lastProblem + ")",
                retry.maxAttempts());
    }

    private void sleepBeforeRetry(int attempt, Optional<Duration> retryAfter, LongSupplier remainingMillis)
            throws InterruptedException {
        if (attempt >= retry.maxAttempts()) {
            return;
        }
        long sleep = retry.backoff(attempt, retryAfter).toMillis();
        // Never sleep past the point where another attempt could still fit.
        long usable = remainingMillis.getAsLong() - callTimeout.toMillis();
        if (usable > 0) {
            Thread.sleep(Math.min(sleep, usable));
        }
    }
}
