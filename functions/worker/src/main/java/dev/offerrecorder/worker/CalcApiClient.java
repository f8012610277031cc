package dev.offerrecorder.worker;

import dev.offerrecorder.shared.failure.JobFailure;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.trace.TraceHeaders;
import dev.offerrecorder.shared.trace.Tracing;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Calls {@code GET {base}/v1/shops/{shopId}/offer?date=...} (the URL template is configuration), bounded by
 * the {@link ApiConcurrencyGate}, with a per-call deadline covering the whole exchange (body included) and
 * {@link RetryPolicy} retries. Returns the definitive answer (2xx, 404, other 4xx but 401/403), throws
 * {@link ApiAuthRejected} when the API refuses the credential, or {@link TransientApiFailure} when no answer came
 * in time.
 *
 * <p>Each HTTP attempt is a {@code CalcApi/call} segment that inserts the trace headers, so the API's New Relic
 * agent continues the trace under that very attempt. Called on a virtual thread: the caller must have linked it
 * to the transaction ({@link Tracing.Handoff}) or the segments and headers are lost.
 */
public final class CalcApiClient {
    private final HttpClient http;
    private final String urlTemplate;
    private final Duration callTimeout;
    private final RetryPolicy retry;
    private final ApiConcurrencyGate gate;
    private final ApiCredential credential;
    private final Tracing tracing;
    private final ApiObservations observations;

    public CalcApiClient(
            HttpClient http,
            String urlTemplate,
            Duration callTimeout,
            RetryPolicy retry,
            ApiConcurrencyGate gate,
            ApiCredential credential,
            Tracing tracing) {
        this(http, urlTemplate, callTimeout, retry, gate, credential, tracing, new ApiObservations());
    }

    /** @param observations where every HTTP attempt is noted (the container's, drained once per invocation) */
    public CalcApiClient(
            HttpClient http,
            String urlTemplate,
            Duration callTimeout,
            RetryPolicy retry,
            ApiConcurrencyGate gate,
            ApiCredential credential,
            Tracing tracing,
            ApiObservations observations) {
        this.observations = observations;
        this.http = http;
        this.urlTemplate = urlTemplate;
        this.callTimeout = callTimeout;
        this.retry = retry;
        this.gate = gate;
        this.credential = credential;
        this.tracing = tracing;
    }

    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Every HTTP attempt this client made since the last drain. */
    public ApiObservations observations() {
        return observations;
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
     * @param upstream the job message's own trace context, sent only when the tracing backend inserts none (no
     *                 agent), so the API still joins the fan-out's trace
     * @param halted   true once the batch has stopped calling (the credential was refused): checked with a slot in
     *                 hand, right before each request goes out
     * @throws ApiAuthRejected on a 401 or 403, at once: another attempt with the same token would be refused too
     */
    public ApiCall call(Job job, LongSupplier remainingMillis, Map<String, String> upstream, BooleanSupplier halted)
            throws TransientApiFailure, ApiAuthRejected, InterruptedException {
        String url = urlFor(job);
        URI uri = URI.create(url);
        String lastProblem = "no attempt started";
        // The job's own trace, when the batch's parent is another one: New Relic's Java API has no span links.
        String jobTraceId = TraceHeaders.traceId(upstream).orElse("");
        // Checked before any slot is taken: a value the client refuses to send is dropped, not thrown mid-call.
        Map<String, String> sendableUpstream = HeaderValues.sendable(upstream);
        int errors = 0;
        int rejections = 0;
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            // A slot taken later than this leaves no room for a whole call.
            long spareMillis = remainingMillis.getAsLong() - callTimeout.toMillis();
            if (spareMillis <= 0) {
                throw new TransientApiFailure(
                        JobFailure.Kind.DEADLINE,
                        "deadline: invocation time running out before attempt " + attempt + " (last: " + lastProblem
                                + ")",
                        attempt - 1,
                        errors,
                        rejections);
            }
            long queued = System.nanoTime();
            Optional<ApiConcurrencyGate.Permit> slot =
                    gate.acquire(queued + Duration.ofMillis(spareMillis).toNanos());
            if (slot.isEmpty()) {
                throw new TransientApiFailure(
                        JobFailure.Kind.DEADLINE,
                        "deadline: no concurrency slot before the invocation ran short" + " (last: " + lastProblem
                                + ")",
                        attempt - 1,
                        errors,
                        rejections);
            }
            long gateWaitMs = Duration.ofNanos(System.nanoTime() - queued).toMillis();
            ApiConcurrencyGate.Permit permit = slot.get();
            if (halted.getAsBoolean()) {
                permit.ignore();
                throw new TransientApiFailure(
                        JobFailure.Kind.API_AUTH,
                        "not called: the batch stopped after the API refused the credential",
                        attempt - 1,
                        errors,
                        rejections);
            }
            // Reaching the end of this block means the attempt needs a retry (success returns from inside), so the
            // segment times the HTTP exchange only, not the backoff after it.
            Optional<Duration> retryAfter = Optional.empty();
            // Every path out of this block gives the slot back: the outcome-specific release below comes first
            // and wins, this one covers whatever else leaves (a request the client refuses to build, an Error).
            try (permit;
                    Tracing.Segment segment = tracing.segment("CalcApi/call")) {
                segment.addAttribute("runId", job.runId());
                segment.addAttribute("shopId", job.shopId());
                segment.addAttribute("targetDate", job.date().toString());
                segment.addAttribute("attempt", attempt);
                segment.addAttribute("gateWaitMs", gateWaitMs);
                if (!jobTraceId.isEmpty()) {
                    segment.addAttribute("job.traceId", jobTraceId);
                }
                Map<String, String> trace = HeaderValues.sendable(segment.insertHeaders());
                Optional<String> token = credential.current();
                HttpRequest request;
                try {
                    var builder = HttpRequest.newBuilder(uri)
                            .timeout(callTimeout)
                            .GET()
                            .header("Accept", "application/json");
                    (trace.isEmpty() ? sendableUpstream : trace).forEach(builder::setHeader);
                    token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
                    request = builder.build();
                } catch (IllegalArgumentException e) {
                    // Not the API's fault and not transient: no attempt was made, the job fails with the reason.
                    segment.addAttribute("error", "request not built");
                    throw new TransientApiFailure(
                            JobFailure.Kind.BAD_REQUEST,
                            "request could not be built: " + e.getMessage(),
                            attempt - 1,
                            errors,
                            rejections);
                }
                ApiObservations.Attempt observed = observations.start(job.runId(), gate.inFlight());
                long start = System.nanoTime();
                HttpResponse<String> response = null;
                // The request timeout ends when headers arrive; a body that stalls after them would run to the
                // function's timeout. So the whole exchange, body included, gets the call timeout as a deadline.
                AtomicBoolean headersIn = new AtomicBoolean();
                CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(request, info -> {
                    headersIn.set(true);
                    return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
                });
                try {
                    response = exchange.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    exchange.cancel(true);
                    errors++;
                    if (headersIn.get()) {
                        // The API answered in time; what it says about its load is unclear, so no sample.
                        permit.ignore();
                        lastProblem = "API body stalled: headers came, the body was not complete after "
                                + callTimeout.toMillis() + " ms";
                    } else {
                        permit.dropped();
                        rejections++;
                        lastProblem = "timeout after " + callTimeout.toMillis() + " ms";
                    }
                } catch (ExecutionException e) {
                    errors++;
                    if (e.getCause() instanceof HttpTimeoutException) {
                        permit.dropped();
                        rejections++;
                        lastProblem = "timeout after " + callTimeout.toMillis() + " ms";
                    } else {
                        permit.ignore();
                        Throwable cause = e.getCause() == null ? e : e.getCause();
                        lastProblem = "I/O error: " + cause.getClass().getSimpleName()
                                + (cause.getMessage() == null ? "" : " " + cause.getMessage());
                    }
                } catch (InterruptedException e) {
                    exchange.cancel(true);
                    permit.ignore();
                    throw e;
                }
                observed.end(response == null ? 0 : response.statusCode(), lastProblem.startsWith("timeout"));
                if (response == null) {
                    segment.addAttribute("error", lastProblem);
                    segment.reportHttp(uri, "GET", 0);
                } else {
                    long latencyMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
                    int status = response.statusCode();
                    segment.reportHttp(uri, "GET", status);
                    if (status == 401 || status == 403) {
                        // An answer about us, not about the job or the API's load.
                        permit.ignore();
                        segment.addAttribute("error", "HTTP " + status);
                        throw new ApiAuthRejected(status, token.isPresent(), attempt, errors + 1, rejections);
                    }
                    if (!RetryPolicy.isTransient(status)) {
                        permit.success();
                        return new ApiCall(url, status, response.body(), latencyMs, attempt, errors, rejections);
                    }
                    errors++;
                    if (status == 429 || status == 503) {
                        permit.dropped();
                        rejections++;
                    } else {
                        permit.ignore();
                    }
                    lastProblem = "HTTP " + status;
                    segment.addAttribute("error", lastProblem);
                    retryAfter = RetryPolicy.parseRetryAfter(
                            response.headers().firstValue("Retry-After").orElse(null), Instant.now());
                }
            }
            sleepBeforeRetry(attempt, retryAfter, remainingMillis);
        }
        throw new TransientApiFailure(
                JobFailure.Kind.RETRIES_EXHAUSTED,
                "gave up after " + retry.maxAttempts() + " attempts (last: " + lastProblem + ")",
                retry.maxAttempts(),
                errors,
                rejections);
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
