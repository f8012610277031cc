package dev.offerrecorder.testkit.sim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 proxy on loopback in front of S3Proxy that breaks chosen object writes or deletes ({@link S3Faults}). Point
 * a function's {@code AWS_ENDPOINT_URL_S3} at {@link #uri()} and it talks to S3 through here, unchanged: request
 * heads are relayed byte for byte (the SigV4 signature covers the Host header, which therefore stays the
 * proxy's), bodies by their framing (Content-Length or chunked), one exchange at a time per connection, with
 * {@code Expect: 100-continue} passed through.
 */
public final class S3FaultProxy implements AutoCloseable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int SOCKET_TIMEOUT_MS = 30_000;
    /** SDK calls whose fault decision is remembered; older ones have long finished their retries. */
    private static final int REMEMBERED_CALLS = 4096;

    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Map<String, S3Faults.Mode> decisions = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, S3Faults.Mode> eldest) {
            return size() > REMEMBERED_CALLS;
        }
    };
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong coveredCalls = new AtomicLong();
    private final AtomicLong rejectedCalls = new AtomicLong();
    private final AtomicLong lostCalls = new AtomicLong();
    private final AtomicLong rejectedAttempts = new AtomicLong();
    private final AtomicLong lostAttempts = new AtomicLong();
    private final AtomicLong anonymousCalls = new AtomicLong();
    private volatile URI upstream;
    private volatile S3Faults faults = S3Faults.none();
    private volatile boolean closed;

    /**
     * @param requests     every request relayed or answered
     * @param putCalls     SDK calls (all attempts of one PutObject, or of one delete) the faults covered
     * @param rejectedCalls of those, calls whose attempts were all refused (nothing stored)
     * @param lostCalls    of those, calls whose attempts were all stored but never answered
     * @param rejectedAttempts HTTP attempts refused
     * @param lostAttempts HTTP attempts stored and cut off
     */
    public record Stats(
            long requests,
            long putCalls,
            long rejectedCalls,
            long lostCalls,
            long rejectedAttempts,
            long lostAttempts) {}

    private S3FaultProxy(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("s3-fault-proxy").start(this::acceptLoop);
    }

    /** Starts listening on a free loopback port; forwards nowhere until {@link #frontFor} names the target. */
    public static S3FaultProxy start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        return new S3FaultProxy(s);
    }

    /** Sets the S3 endpoint to forward to and returns the endpoint to use instead (this proxy). */
    public URI frontFor(URI s3Endpoint) {
        if (!"http".equals(s3Endpoint.getScheme()) || s3Endpoint.getPort() < 0) {
            throw new IllegalArgumentException("upstream must be http://host:port, got " + s3Endpoint);
        }
        this.upstream = s3Endpoint;
        return uri();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void setFaults(S3Faults faults) {
        this.faults = faults;
    }

    public Stats stats() {
        return new Stats(
                requests.get(),
                coveredCalls.get(),
                rejectedCalls.get(),
                lostCalls.get(),
                rejectedAttempts.get(),
                lostAttempts.get());
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread.ofVirtual().name("s3-fault-proxy-conn").start(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("s3-fault-proxy: accept failed: " + e);
                }
            }
        }
    }

    /** One client connection: exchanges in turn until either side closes or a fault cuts it. */
    private void serve(Socket client) {
        Socket up = null;
        try (client) {
            client.setSoTimeout(SOCKET_TIMEOUT_MS);
            InputStream cin = new BufferedInputStream(client.getInputStream(), 64 * 1024);
            OutputStream cout = client.getOutputStream();
            InputStream uin = null;
            OutputStream uout = null;
            while (!closed) {
                Head request = Head.read(cin);
                if (request == null) {
                    return;
                }
                requests.incrementAndGet();
                S3Faults.Mode fault = decide(request);
                if (fault == S3Faults.Mode.REJECT) {
                    rejectedAttempts.incrementAndGet();
                    if (!request.expectsContinue()) {
                        relayBody(cin, OutputStream.nullOutputStream(), request.framing(false, 0));
                    }
                    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>"
                                    + "<Message>injected by S3FaultProxy</Message></Error>")
                            .getBytes(StandardCharsets.UTF_8);
                    cout.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    cout.write(body);
                    cout.flush();
                    return;
                }
                if (up == null) {
                    URI target = upstream;
                    if (target == null) {
                        throw new IOException("no upstream set: call frontFor first");
                    }
                    up = new Socket(target.getHost(), target.getPort());
                    open.add(up);
                    up.setSoTimeout(SOCKET_TIMEOUT_MS);
                    uin = new BufferedInputStream(up.getInputStream(), 64 * 1024);
                    uout = up.getOutputStream();
                }
                boolean lose = fault == S3Faults.Mode.LOSE_RESPONSE;
                uout.write(request.bytes());
                Head response;
                if (request.expectsContinue()) {
                    uout.flush();
                    response = Head.read(uin);
                    if (response == null) {
                        return;
                    }
                    if (response.status() != 100) {
                        // Refused before the body was sent: relay the answer and end, the body never comes.
                        cout.write(response.bytes());
                        relayBody(uin, cout, response.framing(true, 0));
                        cout.flush();
                        return;
                    }
                    cout.write(response.bytes());
                    cout.flush();
                }
                relayBody(cin, uout, request.framing(false, 0));
                uout.flush();
                response = Head.read(uin);
                while (response != null && response.status() >= 100 && response.status() < 200) {
                    if (!lose) {
                        cout.write(response.bytes());
                    }
                    response = Head.read(uin);
                }
                if (response == null) {
                    return;
                }
                Framing framing = response.framing(true, "HEAD".equals(request.method()) ? 1 : 0);
                if (lose) {
                    // Stored upstream; the writer only ever sees the connection drop.
                    relayBody(uin, OutputStream.nullOutputStream(), framing);
                    lostAttempts.incrementAndGet();
                    return;
                }
                cout.write(response.bytes());
                relayBody(uin, cout, framing);
                cout.flush();
                if (framing.untilClose() || response.closes() || request.closes()) {
                    return;
                }
            }
        } catch (SocketException e) {
            // A side hung up: normal for keep-alive connections at shutdown or after a client-side timeout.
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                System.err.println("s3-fault-proxy: connection ended: " + e);
            }
        } finally {
            if (up != null) {
                open.remove(up);
                closeQuietly(up);
            }
            open.remove(client);
        }
    }

    /** The fault for one request, decided once per SDK call so that all of its retries share it. */
    private S3Faults.Mode decide(Head request) {
        S3Faults f = faults;
        if (!f.covers(request.method(), request.rawPath(), request.query())) {
            return null;
        }
        String call = request.header("amz-sdk-invocation-id");
        if (call == null) {
            call = "anonymous-" + anonymousCalls.incrementAndGet();
        }
        synchronized (decisions) {
            if (decisions.containsKey(call)) {
                return decisions.get(call);
            }
            long n = coveredCalls.incrementAndGet();
            S3Faults.Mode mode = null;
            if (n % f.everyNth() == 0) {
                mode = switch (f.mode()) {
                    case REJECT, LOSE_RESPONSE -> f.mode();
                    case ALTERNATE -> (n / f.everyNth()) % 2 == 1 ? S3Faults.Mode.REJECT : S3Faults.Mode.LOSE_RESPONSE;
                };
                (mode == S3Faults.Mode.REJECT ? rejectedCalls : lostCalls).incrementAndGet();
            }
            decisions.put(call, mode);
            return mode;
        }
    }

    private static void relayBody(InputStream in, OutputStream out, Framing framing) throws IOException {
        if (framing.chunked()) {
            relayChunks(in, out);
        } else if (framing.untilClose()) {
            in.transferTo(out);
        } else {
            copyExactly(in, out, framing.length());
        }
    }

    /** Copies a chunked body as it is, chunk-size lines, data and trailers included. */
    private static void relayChunks(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line '" + sizeLine + "'");
            }
            if (size == 0) {
                for (String trailer = readLine(in); ; trailer = readLine(in)) {
                    out.write((trailer + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    if (trailer.isEmpty()) {
                        return;
                    }
                }
            }
            copyExactly(in, out, size);
            String end = readLine(in);
            if (!end.isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void copyExactly(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("body ended " + left + " bytes early");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** A CRLF-terminated line without its terminator. */
    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside a chunked body");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= MAX_HEAD_BYTES) {
                throw new IOException("line longer than " + MAX_HEAD_BYTES + " bytes");
            }
            line.write(b);
        }
    }

    /** How a body is delimited: a length, chunked, or (responses only) the connection closing. */
    private record Framing(long length, boolean chunked, boolean untilClose) {}

    /** A request or response head: its bytes as received, and what the relay needs from it. */
    private record Head(byte[] bytes, String firstLine, Map<String, List<String>> headers) {

        /** Reads one head; null when the connection closed cleanly before a new one began. */
        static Head read(InputStream in) throws IOException {
            var buf = new ByteArrayOutputStream(1024);
            int last4 = 0;
            while (last4 != 0x0D0A0D0A) {
                int b = in.read();
                if (b < 0) {
                    if (buf.size() == 0) {
                        return null;
                    }
                    throw new IOException("connection closed inside a message head");
                }
                buf.write(b);
                if (buf.size() > MAX_HEAD_BYTES) {
                    throw new IOException("message head longer than " + MAX_HEAD_BYTES + " bytes");
                }
                last4 = (last4 << 8) | b;
            }
            byte[] bytes = buf.toByteArray();
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(
                                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                    k -> new ArrayList<>())
                            .add(lines[i].substring(colon + 1).trim());
                }
            }
            return new Head(bytes, lines[0], headers);
        }

        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }

        String method() {
            return firstLine.split(" ", 2)[0];
        }

        String rawPath() {
            String[] parts = firstLine.split(" ");
            String target = parts.length > 1 ? parts[1] : "";
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        String query() {
            String[] parts = firstLine.split(" ");
            String target = parts.length > 1 ? parts[1] : "";
            int q = target.indexOf('?');
            return q < 0 ? "" : target.substring(q + 1);
        }

        int status() {
            String[] parts = firstLine.split(" ");
            try {
                return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        boolean expectsContinue() {
            return "100-continue".equalsIgnoreCase(header("expect"));
        }

        boolean closes() {
            return "close".equalsIgnoreCase(header("connection"));
        }

        /**
         * @param response    whether this is a response (no length means "until close" there, "empty" in a request)
         * @param headRequest 1 when answering a HEAD request: no body whatever the headers say
         */
        Framing framing(boolean response, int headRequest) {
            int status = response ? status() : 0;
            if (headRequest == 1 || status == 204 || status == 304 || (status >= 100 && status < 200)) {
                return new Framing(0, false, false);
            }
            String te = header("transfer-encoding");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                return new Framing(0, true, false);
            }
            String length = header("content-length");
            if (length != null) {
                return new Framing(Long.parseLong(length.trim()), false, false);
            }
            return response ? new Framing(0, false, true) : new Framing(0, false, false);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        open.forEach(S3FaultProxy::closeQuietly);
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
