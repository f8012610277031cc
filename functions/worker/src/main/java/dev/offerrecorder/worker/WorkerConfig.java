package dev.offerrecorder.worker;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/**
 * The worker's settings, read and checked once per container.
 *
 * @param jobQueueUrl where failed jobs are handed back with {@code retryDelay} (see {@link RetryScheduler}); without
 *     it they wait out the queue's visibility timeout
 * @param apiShareRps this container's share of the API, {@code API_CAPACITY_RPS / WORKER_MAX_CONCURRENCY} requests
 *     per second (both or neither must be set); empty: calls are not paced, only the adaptive limit bounds them
 * @param workerMaxConcurrency {@code WORKER_MAX_CONCURRENCY}, 1 when not pacing
 */
public record WorkerConfig(
        String apiUrlTemplate,
        String rawBucket,
        Duration callTimeout,
        int maxAttempts,
        Duration baseBackoff,
        Duration maxBackoff,
        int initialLimit,
        int concurrencyCeiling,
        ApiConcurrencyGate.Algorithm limitAlgorithm,
        Duration writeReserve,
        Optional<String> tokenSecret,
        Optional<String> tokenParameter,
        Optional<String> jobQueueUrl,
        Duration retryDelay,
        OptionalDouble apiShareRps,
        int workerMaxConcurrency) {

    /**
     * The raw-log write's whole budget, retries included: nine tenths of the write reserve, so a hung S3 call
     * fails (and its jobs go back to SQS) before the function's timeout returns the whole batch.
     */
    public Duration s3CallTimeout() {
        return Duration.ofMillis(Math.max(1, writeReserve.toMillis() * 9 / 10));
    }

    /** One S3 attempt: half the reserve, so a stalled first attempt still leaves room for a second. */
    public Duration s3AttemptTimeout() {
        return Duration.ofMillis(Math.max(1, writeReserve.toMillis() / 2));
    }

    static ApiConcurrencyGate.Algorithm algorithm(String name) {
        try {
            return ApiConcurrencyGate.Algorithm.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("API_LIMIT_ALGORITHM", "must be vegas or aimd, got '" + name + "'");
        }
    }

    /** Whether the URL's host is this machine: localhost, 127.0.0.0/8 or ::1, by name only (no DNS lookup). */
    static boolean loopback(String urlTemplate) {
        String host;
        try {
            host = URI.create(urlTemplate.replace("{shopId}", "s").replace("{date}", "d"))
                    .getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost")
                || h.equals("[::1]")
                || h.matches("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}");
    }

    /**
     * {@code API_CAPACITY_RPS / WORKER_MAX_CONCURRENCY}: the requests per second the operator says the API takes,
     * split evenly over the containers the event source may run at once. One without the other is refused: a
     * share computed from a guess would either overload the API or waste it.
     */
    static OptionalDouble share(Env env) {
        Optional<String> capacity = env.optional("API_CAPACITY_RPS");
        Optional<String> containers = env.optional("WORKER_MAX_CONCURRENCY");
        if (capacity.isEmpty() && containers.isEmpty()) {
            return OptionalDouble.empty();
        }
        if (capacity.isEmpty() || containers.isEmpty()) {
            String missing = capacity.isEmpty() ? "API_CAPACITY_RPS" : "WORKER_MAX_CONCURRENCY";
            String set = capacity.isEmpty() ? "WORKER_MAX_CONCURRENCY" : "API_CAPACITY_RPS";
            throw new ConfigException(
                    missing,
                    "must be set together with " + set + " (each container paces its calls at API_CAPACITY_RPS / "
                            + "WORKER_MAX_CONCURRENCY), or neither for no pacing");
        }
        double rps;
        try {
            rps = Double.parseDouble(capacity.get());
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    "API_CAPACITY_RPS", "must be a number of requests/s, got '" + capacity.get() + "'");
        }
        if (!(rps > 0) || rps > 1_000_000) {
            throw new ConfigException("API_CAPACITY_RPS", "must be above 0 and at most 1000000, got " + capacity.get());
        }
        int n = env.getInt("WORKER_MAX_CONCURRENCY", 1, 1, 1000);
        return OptionalDouble.of(rps / n);
    }

    public static WorkerConfig from(Env env) {
        String template = env.require("CALC_API_URL_TEMPLATE");
        if (!template.contains("{shopId}") || !template.contains("{date}")) {
            throw new ConfigException(
                    "CALC_API_URL_TEMPLATE", "must contain {shopId} and {date}, got '" + template + "'");
        }
        if (!template.startsWith("http://") && !template.startsWith("https://")) {
            throw new ConfigException("CALC_API_URL_TEMPLATE", "must be an http(s) URL, got '" + template + "'");
        }
        Optional<String> tokenVariable = Stream.of("CALC_API_TOKEN_SECRET", "CALC_API_TOKEN_PARAMETER")
                .filter(v -> env.optional(v).isPresent())
                .findFirst();
        if (tokenVariable.isPresent() && template.startsWith("http://") && !loopback(template)) {
            throw new ConfigException(
                    "CALC_API_URL_TEMPLATE",
                    "must be https while a token is sent (" + tokenVariable.get()
                            + " is set); plain http is for loopback hosts only, got '" + template + "'");
        }
        int ceiling = env.getInt("API_CONCURRENCY_CEILING", 64, 1, 1000);
        return new WorkerConfig(
                template,
                env.require("RAW_BUCKET"),
                Duration.ofMillis(env.getInt("API_CALL_TIMEOUT_MS", 10_000, 100, 600_000)),
                env.getInt("API_MAX_ATTEMPTS", 4, 1, 20),
                Duration.ofMillis(env.getInt("API_BACKOFF_BASE_MS", 200, 1, 60_000)),
                Duration.ofMillis(env.getInt("API_BACKOFF_MAX_MS", 10_000, 1, 600_000)),
                Math.min(ceiling, env.getInt("API_CONCURRENCY_INITIAL", 4, 1, 1000)),
                ceiling,
                algorithm(env.get("API_LIMIT_ALGORITHM", "vegas")),
                Duration.ofMillis(env.getInt("WRITE_RESERVE_MS", 5_000, 100, 600_000)),
                env.optional("CALC_API_TOKEN_SECRET"),
                env.optional("CALC_API_TOKEN_PARAMETER"),
                env.optional("JOB_QUEUE_URL"),
                Duration.ofSeconds(env.getInt("RETRY_DELAY_SECONDS", 30, 0, RetryScheduler.MAX_DELAY_SECONDS)),
                share(env),
                env.getInt("WORKER_MAX_CONCURRENCY", 1, 1, 1000));
    }

    /** The API's whole capacity as the operator told it ({@code API_CAPACITY_RPS}), when pacing. */
    public OptionalDouble apiCapacityRps() {
        return apiShareRps.isPresent()
                ? OptionalDouble.of(apiShareRps.getAsDouble() * workerMaxConcurrency)
                : OptionalDouble.empty();
    }
}
