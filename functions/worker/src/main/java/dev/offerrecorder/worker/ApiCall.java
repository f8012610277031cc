package dev.offerrecorder.worker;

/**
 * The definitive answer to one job's API call, after retries.
 *
 * @param errors     attempts that got no definitive answer (5xx, 429, timeout, I/O error)
 * @param rejections of those, the ones where the API pushed back (429, 503, timeout)
 */
public record ApiCall(String url, int status, String body, long latencyMs, int attempts, int errors, int rejections) {}
