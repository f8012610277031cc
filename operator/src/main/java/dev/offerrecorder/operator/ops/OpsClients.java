package dev.offerrecorder.operator.ops;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SDK clients of one CLI command, built once. An operator wants an answer or a clear failure quickly: no
 * retries, a short connect timeout, so an unreachable endpoint fails in about a second instead of after minutes
 * of backoff. Lambda invocations get a long read timeout, since fan-out may run for up to 15 minutes.
 */
public final class OpsClients implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    static final Duration INVOKE_TIMEOUT = Duration.ofMinutes(16);

    private final SqsClient sqs;
    private final S3Client s3;
    private final LambdaClient lambda;

    public OpsClients(StackInfo stack) {
        Region region = Region.of(stack.region());
        AwsCredentialsProvider credentials = credentials(stack.keys());
        this.sqs = configure(
                        SqsClient.builder(),
                        region,
                        credentials,
                        stack.endpoints().sqs())
                .httpClient(http(READ_TIMEOUT))
                .build();
        var s3Builder = configure(
                        S3Client.builder(),
                        region,
                        credentials,
                        stack.endpoints().s3())
                .httpClient(http(READ_TIMEOUT));
        if (stack.endpoints().s3() != null) {
            s3Builder.forcePathStyle(true);
        }
        this.s3 = s3Builder.build();
        this.lambda = configure(
                        LambdaClient.builder(),
                        region,
                        credentials,
                        stack.endpoints().lambda())
                .httpClient(http(INVOKE_TIMEOUT))
                .build();
    }

    /** For reading a deployed stack's outputs; closed by the caller once they are read. */
    public static CloudFormationClient cloudFormation(String region, URI endpoint) {
        return configure(CloudFormationClient.builder(), Region.of(region), credentials(null), endpoint)
                .httpClient(http(READ_TIMEOUT))
                .build();
    }

    public SqsClient sqs() {
        return sqs;
    }

    public S3Client s3() {
        return s3;
    }

    public LambdaClient lambda() {
        return lambda;
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(
            B builder, Region region, AwsCredentialsProvider credentials, URI endpoint) {
        builder.region(region)
                .credentialsProvider(credentials)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }

    private static AwsCredentialsProvider credentials(StackInfo.Keys keys) {
        return keys == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey()));
    }

    private static SdkHttpClient http(Duration readTimeout) {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(readTimeout)
                .build();
    }

    @Override
    public void close() {
        sqs.close();
        s3.close();
        lambda.close();
    }
}
