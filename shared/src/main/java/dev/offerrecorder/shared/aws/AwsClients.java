package dev.offerrecorder.shared.aws;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds SDK clients the same way for Lambda, LocalStack and the embedded stand-ins: region from
 * {@code AWS_REGION}, an optional endpoint override from {@code AWS_ENDPOINT_URL} (or the per-service
 * {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL_SQS}), credentials from the default chain (resolved
 * lazily, so nothing is cached across a SnapStart restore) and the lean URL-connection HTTP client.
 */
public final class AwsClients {
    /** The prefix of the endpoint variables {@code sam local invoke --env-vars} sets (see {@link #endpoint}). */
    public static final String LOCAL_ENDPOINT_URL = "LOCAL_ENDPOINT_URL";

    private AwsClients() {}

    public static S3Client s3(Env env) {
        return s3(env, override -> {});
    }

    /** As {@link #s3(Env)}, with the caller's overrides (e.g. call timeouts) on top. */
    public static S3Client s3(Env env, Consumer<ClientOverrideConfiguration.Builder> override) {
        var builder = configure(S3Client.builder(), env, "AWS_ENDPOINT_URL_S3");
        builder.overrideConfiguration(override);
        // Stand-ins and LocalStack serve buckets by path, not by host name.
        endpoint(env, "AWS_ENDPOINT_URL_S3").ifPresent(uri -> builder.forcePathStyle(true));
        return builder.build();
    }

    public static SqsClient sqs(Env env) {
        return configure(SqsClient.builder(), env, "AWS_ENDPOINT_URL_SQS").build();
    }

    /**
     * Region, default credentials, the URL-connection HTTP client and the endpoint override ({@code
     * serviceVariable}, else {@code AWS_ENDPOINT_URL}) on any SDK client builder.
     */
    public static <B extends AwsSyncClientBuilder<B, ?> & AwsClientBuilder<B, ?>> B configure(
            B builder, Env env, String serviceVariable) {
        builder.region(region(env))
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        builder.httpClient(httpClient());
        endpoint(env, serviceVariable).ifPresent(builder::endpointOverride);
        return builder;
    }

    public static Region region(Env env) {
        return Region.of(env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")));
    }

    /**
     * The endpoint override: {@code AWS_ENDPOINT_URL_<SERVICE>}, else {@code LOCAL_ENDPOINT_URL_<SERVICE>}, else
     * {@code AWS_ENDPOINT_URL}, else {@code LOCAL_ENDPOINT_URL}. The LOCAL_ names exist for {@code sam local
     * invoke}: SAM only sets variables the template declares, and the template declares these as absent in AWS
     * (an empty {@code AWS_ENDPOINT_URL} would break the SDK's own reading of it).
     */
    public static Optional<URI> endpoint(Env env, String serviceVariable) {
        String localService = serviceVariable.replace("AWS_ENDPOINT_URL", LOCAL_ENDPOINT_URL);
        for (String variable : List.of(serviceVariable, localService, "AWS_ENDPOINT_URL", LOCAL_ENDPOINT_URL)) {
            Optional<String> value = env.optional(variable);
            if (value.isPresent()) {
                return Optional.of(uri(variable, value.get()));
            }
        }
        return Optional.empty();
    }

    private static URI uri(String variable, String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(variable, "is not a URL: '" + value + "'");
        }
    }

    private static SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30))
                .build();
    }
}
