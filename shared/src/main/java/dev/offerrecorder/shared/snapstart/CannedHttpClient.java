package dev.offerrecorder.shared.snapstart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An SDK HTTP client for SnapStart priming: answers every request with one canned 200 response and never opens a
 * connection, so a real SDK call (marshalling, signing, interceptors, response parsing) can run before the
 * snapshot without network. It reads the request body to its end, as a real client sends it.
 */
public final class CannedHttpClient implements SdkHttpClient {
    private final byte[] body;
    private final String contentType;
    private final AtomicInteger requests = new AtomicInteger();

    public CannedHttpClient(String contentType, byte[] body) {
        this.contentType = contentType;
        this.body = body.clone();
    }

    /** Requests answered so far. */
    public int requests() {
        return requests.get();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                request.contentStreamProvider().ifPresent(provider -> {
                    try (InputStream in = provider.newStream()) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                requests.incrementAndGet();
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder()
                                .statusCode(200)
                                .putHeader("Content-Type", contentType)
                                .putHeader("Content-Length", String.valueOf(body.length))
                                .build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                        .build();
            }

            @Override
            public void abort() {}
        };
    }

    @Override
    public String clientName() {
        return "offer-recorder-priming";
    }

    @Override
    public void close() {}
}
