package dev.offerrecorder.shared.snapstart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.offerrecorder.shared.config.Env;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** SDK priming runs the real request path but opens no connection, even with a reachable endpoint configured. */
class PrimingTest {
    @Test
    void s3AndSqsCallsRunAgainstTheCannedClientWithoutConnecting() throws Exception {
        ServerSocket endpoint = new ServerSocket(0);
        try {
            AtomicInteger accepted = new AtomicInteger();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!endpoint.isClosed()) {
                    try {
                        Socket socket = endpoint.accept();
                        accepted.incrementAndGet();
                        socket.close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            Env env = new Env(Map.of(
                    "AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL", "http://127.0.0.1:" + endpoint.getLocalPort()));
            int s3Calls = Priming.primeS3(env, "", s3 -> {
                s3.putObject(r -> r.bucket("prime").key("k"), RequestBody.fromString("x"));
                s3.getObjectAsBytes(r -> r.bucket("prime").key("k"));
            });
            int sqsCalls = SqsPriming.primeSqs(
                    env,
                    "{\"Successful\":[],\"Failed\":[]}",
                    sqs -> sqs.sendMessageBatch(r -> r.queueUrl("http://127.0.0.1/000000000000/q")
                            .entries(SendMessageBatchRequestEntry.builder()
                                    .id("0")
                                    .messageBody("{}")
                                    .build())));
            endpoint.close();
            acceptor.join();
            assertEquals(2, s3Calls, "both S3 calls went through the SDK pipeline");
            assertEquals(1, sqsCalls);
            assertEquals(0, accepted.get(), "priming opened a connection");
        } finally {
            endpoint.close();
        }
    }
}
