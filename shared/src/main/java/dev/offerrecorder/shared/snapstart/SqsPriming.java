package dev.offerrecorder.shared.snapstart;

import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.Env;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.services.sqs.SqsClient;

/** SQS priming, a class of its own: the transform's jar has no SQS module. */
public final class SqsPriming {
    private SqsPriming() {}

    /** As {@link Priming#primeS3} for SQS (JSON protocol): {@code body} is the canned JSON answer. */
    public static int primeSqs(Env env, String body, Consumer<SqsClient> calls) {
        CannedHttpClient http =
                new CannedHttpClient("application/x-amz-json-1.0", body.getBytes(StandardCharsets.UTF_8));
        try (SqsClient sqs = AwsClients.configure(SqsClient.builder(), env, "AWS_ENDPOINT_URL_SQS")
                .httpClient(http)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .build()) {
            calls.accept(sqs);
        }
        return http.requests();
    }
}
