package dev.offerrecorder.local.serve;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Invoke API ({@code POST /2015-03-31/functions/NAME/invocations}, RequestResponse) for the embedded
 * stack's directly invoked functions, on loopback, as {@code sam local start-lambda} offers it: the CLI's
 * {@code LambdaClient} talks to this exactly as to AWS. A function that throws answers 200 with
 * {@code X-Amz-Function-Error: Unhandled} and {@code {"errorMessage","errorType"}}, as the Java runtime does.
 * Each function runs one invocation at a time, like a single container.
 */
public final class LambdaInvokeServer implements AutoCloseable {
    private static final Pattern PATH = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations/?$");

    /** A function: its handler, and the timeout its context counts down from. */
    public record Function(RequestStreamHandler handler, Duration timeout) {}

    private final Map<String, Function> functions;
    private final Map<String, ReentrantLock> locks;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ObjectMapper mapper = Json.newMapper();

    public LambdaInvokeServer(Map<String, Function> functions) throws IOException {
        this.functions = Map.copyOf(functions);
        this.locks = functions.keySet().stream()
                .collect(java.util.stream.Collectors.toUnmodifiableMap(k -> k, k -> new ReentrantLock()));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher m = PATH.matcher(exchange.getRequestURI().getRawPath());
            if (!"POST".equals(exchange.getRequestMethod()) || !m.matches()) {
                error(
                        exchange,
                        404,
                        "ResourceNotFoundException",
                        "no such API: " + exchange.getRequestMethod() + " "
                                + exchange.getRequestURI().getPath() + " (only Invoke is offered)");
                return;
            }
            String name = functionName(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
            Function function = functions.get(name);
            if (function == null) {
                error(
                        exchange,
                        404,
                        "ResourceNotFoundException",
                        "Function not found: " + name + " (local stack has " + functions.keySet() + ")");
                return;
            }
            String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
            if (type != null && !"RequestResponse".equals(type)) {
                error(
                        exchange,
                        400,
                        "InvalidParameterValueException",
                        "the local stack offers only RequestResponse" + " invocations, not " + type);
                return;
            }
            String payload = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String result;
            String functionError = null;
            ReentrantLock lock = locks.get(name);
            lock.lock();
            try {
                result = LambdaRunner.invokeDirect(
                        function.handler(), name, payload.isBlank() ? "{}" : payload, function.timeout());
            } catch (Exception e) {
                functionError = "Unhandled";
                ObjectNode body = mapper.createObjectNode();
                body.put("errorMessage", String.valueOf(e.getMessage()));
                body.put("errorType", e.getClass().getName());
                body.putArray("stackTrace");
                result = body.toString();
            } finally {
                lock.unlock();
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("X-Amz-Executed-Version", "$LATEST");
            if (functionError != null) {
                exchange.getResponseHeaders().set("X-Amz-Function-Error", functionError);
            }
            send(exchange, 200, result);
        }
    }

    /** NAME, NAME:QUALIFIER or a function ARN: the local stack has no versions, so the qualifier is ignored. */
    static String functionName(String raw) {
        String name = raw;
        if (name.startsWith("arn:")) {
            String[] parts = name.split(":");
            name = parts.length >= 7 ? parts[6] : name;
        } else if (name.contains(":")) {
            name = name.substring(0, name.indexOf(':'));
        }
        return name;
    }

    private void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
        send(
                exchange,
                status,
                mapper.createObjectNode()
                        .put("Type", "User")
                        .put("message", message)
                        .toString());
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
