package dev.offerrecorder.local.pipeline;

import java.net.URI;
import java.util.function.UnaryOperator;

/**
 * Where each function of the local pipeline reaches S3: each hook gets the embedded S3 endpoint and returns the
 * endpoint that function's {@code AWS_ENDPOINT_URL_S3} is set to, such as a fault-injecting proxy in front of it.
 * The notification bridge and the tests' own reads always talk to S3 directly.
 */
public record S3Routes(UnaryOperator<URI> worker, UnaryOperator<URI> transform, UnaryOperator<URI> compaction) {
    public S3Routes {
        if (worker == null || transform == null || compaction == null) {
            throw new IllegalArgumentException("every function needs a route (UnaryOperator.identity() for direct)");
        }
    }

    /** Every function straight to S3. */
    public static S3Routes direct() {
        return new S3Routes(UnaryOperator.identity(), UnaryOperator.identity(), UnaryOperator.identity());
    }

    public S3Routes withWorker(UnaryOperator<URI> route) {
        return new S3Routes(route, transform, compaction);
    }

    public S3Routes withTransform(UnaryOperator<URI> route) {
        return new S3Routes(worker, route, compaction);
    }

    public S3Routes withCompaction(UnaryOperator<URI> route) {
        return new S3Routes(worker, transform, route);
    }
}
