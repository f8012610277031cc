package dev.offerrecorder.worker;

/** The definitive answer to one job's API call, after retries. */
public record ApiCall(String url, int status, String body, long latencyMs, int attempts) {
}
