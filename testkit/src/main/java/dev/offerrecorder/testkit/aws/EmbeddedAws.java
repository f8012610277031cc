package dev.offerrecorder.testkit.aws;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * AWS inside this JVM, on loopback: ElasticMQ speaks SQS, S3Proxy speaks S3 over a filesystem store under
 * {@code dataDir/s3} (objects are plain files at {@code bucket/key}, so DuckDB or any Parquet reader opens
 * them). Both speak the real wire protocols to the real AWS SDK.
 *
 * <p>Or, when the system property {@value #ENDPOINT_PROPERTY} names one (LocalStack: {@code
 * http://localhost:4566}), that endpoint instead, for SQS and S3 alike ({@value #SQS_ENDPOINT_PROPERTY} and
 * {@value #S3_ENDPOINT_PROPERTY} override it per service, as {@code AWS_ENDPOINT_URL_SQS/_S3} do): nothing is
 * started, and objects are not on local disk ({@link #s3Dir()} is empty).
 */
public final class EmbeddedAws implements AutoCloseable {
    public static final String ACCESS_KEY = "local-access-key";
    public static final String SECRET_KEY = "local-secret-key";
    public static final String REGION = "us-east-1";
    /** An AWS-compatible endpoint to use instead of the in-JVM stand-ins (the {@code localstack} test profile). */
    public static final String ENDPOINT_PROPERTY = "offer-recorder.aws.endpoint";

    public static final String SQS_ENDPOINT_PROPERTY = "offer-recorder.aws.sqs-endpoint";
    public static final String S3_ENDPOINT_PROPERTY = "offer-recorder.aws.s3-endpoint";

    private final SQSRestServer sqs;
    private final S3Proxy s3;
    private final URI sqsEndpoint;
    private final URI s3Endpoint;
    private final Path s3Dir;

    // sqs, s3 and s3Dir are null for an external endpoint.
    private EmbeddedAws(SQSRestServer sqs, URI sqsEndpoint, S3Proxy s3, URI s3Endpoint, Path s3Dir) {
        this.sqs = sqs;
        this.sqsEndpoint = sqsEndpoint;
        this.s3 = s3;
        this.s3Endpoint = s3Endpoint;
        this.s3Dir = s3Dir;
    }

    public static EmbeddedAws start(Path dataDir) throws Exception {
        String both = System.getProperty(ENDPOINT_PROPERTY, "").strip();
        String sqsUrl = System.getProperty(SQS_ENDPOINT_PROPERTY, both).strip();
        String s3Url = System.getProperty(S3_ENDPOINT_PROPERTY, both).strip();
        if (!sqsUrl.isEmpty() || !s3Url.isEmpty()) {
            if (sqsUrl.isEmpty() || s3Url.isEmpty()) {
                throw new IllegalArgumentException("an external AWS endpoint needs SQS and S3: set " + ENDPOINT_PROPERTY
                        + ", or both " + SQS_ENDPOINT_PROPERTY + " and " + S3_ENDPOINT_PROPERTY);
            }
            return external(URI.create(sqsUrl), URI.create(s3Url));
        }
        useLocalCredentials();

        SQSRestServer sqs = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        SQSRestServer started = null;
        S3Proxy proxy = null;
        try {
            int sqsPort = sqs.waitUntilStarted().localAddress().getPort();
            started = sqs;
            Path s3Dir = dataDir.resolve("s3");
            Files.createDirectories(s3Dir);
            BlobStore store = new FilesystemNio2BlobStore(s3Dir.toString());
            proxy = S3Proxy.builder()
                    .blobStore(store)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "S3Proxy did not start within 30 s (state " + proxy.getState() + ")");
                }
                Thread.sleep(10);
            }
            return new EmbeddedAws(
                    sqs,
                    URI.create("http://127.0.0.1:" + sqsPort),
                    proxy,
                    URI.create("http://127.0.0.1:" + proxy.getPort()),
                    s3Dir);
        } catch (Exception e) {
            if (proxy != null) {
                stopQuietly(proxy);
            }
            sqs.stopAndWait();
            throw e;
        }
    }

    /**
     * An AWS-compatible service already running elsewhere (LocalStack, or another process's stand-ins): its
     * endpoints, nothing started or stopped here.
     */
    public static EmbeddedAws external(URI sqsEndpoint, URI s3Endpoint) {
        useLocalCredentials();
        return new EmbeddedAws(null, sqsEndpoint, null, s3Endpoint, null);
    }

    /**
     * The SDK's default chain reads these system properties first: the functions build their clients exactly as
     * in Lambda, with no special path for the local stack. LocalStack accepts any key.
     */
    private static void useLocalCredentials() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        System.setProperty("aws.region", REGION);
    }

    /** True when this is an endpoint elsewhere rather than stand-ins started in this JVM. */
    public boolean external() {
        return sqs == null;
    }

    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    public URI s3Endpoint() {
        return s3Endpoint;
    }

    /** Where S3Proxy keeps objects ({@code s3Dir/bucket/key}); empty for an external endpoint. */
    public Optional<Path> s3Dir() {
        return Optional.ofNullable(s3Dir);
    }

    /** The environment a function gets to reach this embedded AWS, as Lambda would give it AWS_REGION. */
    public Properties endpointEnvironment() {
        Properties p = new Properties();
        p.setProperty("AWS_REGION", REGION);
        p.setProperty("AWS_ENDPOINT_URL_SQS", sqsEndpoint.toString());
        p.setProperty("AWS_ENDPOINT_URL_S3", s3Endpoint.toString());
        return p;
    }

    @Override
    public void close() {
        if (!external()) {
            stopQuietly(s3);
            sqs.stopAndWait();
        }
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception ignored) {
            // Best effort at shutdown.
        }
    }
}
