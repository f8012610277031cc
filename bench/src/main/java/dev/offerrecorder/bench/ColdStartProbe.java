package dev.offerrecorder.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.offerrecorder.local.runner.LocalContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM whose classpath is one function's deployment jar (plus this probe): builds the handler as
 * the Lambda runtime does (public no-arg constructor, configuration from the environment), handles one event,
 * and prints the times since JVM start. Usage: {@code ColdStartProbe HANDLER_CLASS EVENT_FILE}.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainAt = System.currentTimeMillis();
        Class<?> type = Class.forName(args[0]);
        Object handler = type.getConstructor().newInstance();
        long builtAt = System.currentTimeMillis();
        String event = Files.readString(Path.of(args[1]));
        Context context = new LocalContext("probe", 60_000, 1024);
        if (handler instanceof RequestStreamHandler stream) {
            stream.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
                    new ByteArrayOutputStream(), context);
        } else {
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> typed = (RequestHandler<Object, Object>) handler;
            Class<?> input = Class.forName("com.amazonaws.services.lambda.runtime.events.SQSEvent");
            Object parsed = LambdaEventSerializers.serializerFor(input, type.getClassLoader()).fromJson(event);
            typed.handleRequest(parsed, context);
        }
        long doneAt = System.currentTimeMillis();
        System.out.println("COLDSTART {\"jvmToMainMs\":" + (mainAt - jvmStart) + ",\"initMs\":" + (builtAt - mainAt)
                + ",\"firstEventMs\":" + (doneAt - builtAt) + ",\"totalMs\":" + (doneAt - jvmStart) + "}");
        System.exit(0);
    }
}
