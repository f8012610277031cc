package dev.offerrecorder.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.offerrecorder.testkit.runner.LocalContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM whose classpath is one function's deployment jar (plus this probe): builds the handler as
 * the Lambda runtime does (public no-arg constructor, configuration from the environment), handles one event,
 * and prints the times since JVM start, the jobs a partial-batch response reported failed, peak heap and GC, the
 * JVM's version and a stream handler's reply (line {@code OUTPUT}). Usage: {@code ColdStartProbe HANDLER_CLASS
 * EVENT_FILE}.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {}

    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainAt = System.currentTimeMillis();
        Class<?> type = Class.forName(args[0]);
        Object handler = type.getConstructor().newInstance();
        if (Boolean.getBoolean("probe.prime") && handler instanceof org.crac.Resource resource) {
            // As SnapStart does: the handler's priming before the snapshot, the restore hook after it.
            resource.beforeCheckpoint(null);
            resource.afterRestore(null);
            System.out.println("PRIMED " + type.getName());
        }
        long builtAt = System.currentTimeMillis();
        String event = Files.readString(Path.of(args[1]));
        Context context = new LocalContext("probe", 60_000, 1024);
        int failed = -1;
        String output = "";
        if (handler instanceof RequestStreamHandler stream) {
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            stream.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), reply, context);
            output = reply.toString(StandardCharsets.UTF_8);
        } else {
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> typed = (RequestHandler<Object, Object>) handler;
            Class<?> input = Class.forName("com.amazonaws.services.lambda.runtime.events.SQSEvent");
            Object parsed = LambdaEventSerializers.serializerFor(input, type.getClassLoader())
                    .fromJson(event);
            Object response = typed.handleRequest(parsed, context);
            if (response != null) {
                try {
                    // SQSBatchResponse, read by name: the probe must not load the function's event classes itself.
                    failed = ((java.util.List<?>) response.getClass()
                                    .getMethod("getBatchItemFailures")
                                    .invoke(response))
                            .size();
                } catch (NoSuchMethodException e) {
                    // Not a partial-batch response.
                }
            }
        }
        long doneAt = System.currentTimeMillis();
        long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
        long gcCount = 0;
        long gcMs = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMs += Math.max(0, gc.getCollectionTime());
        }
        System.out.println("COLDSTART {\"jvmToMainMs\":" + (mainAt - jvmStart) + ",\"initMs\":" + (builtAt - mainAt)
                + ",\"firstEventMs\":" + (doneAt - builtAt) + ",\"totalMs\":" + (doneAt - jvmStart)
                + ",\"failed\":" + failed + ",\"peakHeapMb\":" + peakHeap / (1024 * 1024) + ",\"gcCount\":" + gcCount
                + ",\"gcMs\":" + gcMs + ",\"javaVersion\":\"" + System.getProperty("java.version") + "\",\"cpuMs\":"
                + ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                                .getProcessCpuTime()
                        / 1_000_000
                + "}");
        System.out.println("OUTPUT " + output.replace('\n', ' '));
        System.exit(0);
    }
}
