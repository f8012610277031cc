package dev.offerrecorder.local.serve;

import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --env-vars} file of {@code sam local invoke}: for each function of template.yaml, every variable the
 * template declares for it, with values that point at a local endpoint instead of the stack's resources (SAM
 * resolves a resource {@code !Ref} to nothing useful locally, and sets only variables the template declares).
 * events/sam-env-localstack.json is this for LocalStack; {@code ./recorder serve} writes one for its own endpoints.
 *
 * @param sqsEndpoint  what the functions' SQS client calls, as seen from the function's container
 * @param s3Endpoint   what the functions' S3 client calls (the same URL as SQS on LocalStack)
 * @param queueBase    the queue URLs' base: {@code <base>/<queue name>}
 * @param apiUrlTemplate the calculation API (or the simulator) the worker calls
 */
public record SamEnvVars(String sqsEndpoint, String s3Endpoint, String queueBase, String apiUrlTemplate) {
    /** LocalStack on the host, seen from SAM's container (Docker Desktop's name for the host). */
    public static SamEnvVars localStack() {
        String endpoint = "http://host.docker.internal:4566";
        return new SamEnvVars(
                endpoint,
                endpoint,
                endpoint + "/000000000000",
                "http://host.docker.internal:8080/v1/shops/{shopId}/offer?date={date}");
    }

    /** Function logical ID to its variables, in template order. */
    public Map<String, Map<String, String>> byFunction(StackLayout layout) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        out.put(
                "FanoutFunction",
                with(
                        "JOB_QUEUE_URL",
                        queue(layout.jobQueue()),
                        "FANOUT_QUEUE_URL",
                        queue(layout.fanoutQueue()),
                        "RAW_BUCKET",
                        layout.rawBucket(),
                        "TIME_ZONE",
                        "Asia/Tokyo",
                        "SHOP_MANIFEST",
                        "s3://" + layout.rawBucket() + "/manifests/shops.csv",
                        "API_RATE_PER_SECOND",
                        "50"));
        out.put(
                "SliceFunction",
                with(
                        "JOB_QUEUE_URL", queue(layout.jobQueue()),
                        "FANOUT_QUEUE_URL", queue(layout.fanoutQueue()),
                        "API_RATE_PER_SECOND", "50"));
        out.put(
                "WorkerFunction",
                with(
                        "CALC_API_URL_TEMPLATE", apiUrlTemplate,
                        "RAW_BUCKET", layout.rawBucket(),
                        "CALC_API_TOKEN_SECRET", "",
                        "CALC_API_TOKEN_PARAMETER", "",
                        "API_CONCURRENCY_CEILING", "64",
                        // The template's defaults: ApiCapacityRps and WorkerMaximumConcurrency (a 5 rps share each).
                        "API_CAPACITY_RPS", "50",
                        "WORKER_MAX_CONCURRENCY", "10",
                        "API_CALL_TIMEOUT_MS", "10000",
                        "JOB_QUEUE_URL", queue(layout.jobQueue()),
                        "RETRY_DELAY_SECONDS", "30"));
        out.put("TransformFunction", with("PLATFORM_BUCKET", layout.platformBucket()));
        out.put(
                "CompactFunction",
                with(
                        "PLATFORM_BUCKET", layout.platformBucket(),
                        "TIME_ZONE", "Asia/Tokyo",
                        "COMPACTION_LAG_DAYS", "2",
                        "COMPACTION_TARGET_MB", "128"));
        out.put(
                "ReplayFunction",
                with(
                        "JOB_QUEUE_URL", queue(layout.jobQueue()),
                        "JOB_DLQ_URL", queue(layout.jobDlq()),
                        "API_CAPACITY_RPS", "50",
                        "RAW_BUCKET", layout.rawBucket()));
        return out;
    }

    private String queue(String name) {
        return queueBase + "/" + name;
    }

    private Map<String, String> with(String... pairs) {
        Map<String, String> vars = new LinkedHashMap<>();
        if (sqsEndpoint.equals(s3Endpoint)) {
            vars.put(AwsClients.LOCAL_ENDPOINT_URL, sqsEndpoint);
        } else {
            vars.put(AwsClients.LOCAL_ENDPOINT_URL + "_SQS", sqsEndpoint);
            vars.put(AwsClients.LOCAL_ENDPOINT_URL + "_S3", s3Endpoint);
        }
        for (int i = 0; i < pairs.length; i += 2) {
            vars.put(pairs[i], pairs[i + 1]);
        }
        return vars;
    }
}
