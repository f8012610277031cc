package dev.offerrecorder.e2e.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the functions' JSON log lines as they are printed, to learn why the worker gave up on each job: the
 * reason a job in the DLQ carries is the last one the worker logged for it. The functions log to stdout as in
 * Lambda and take {@code System.out} when they are built, so the tap replaces stdout while a scenario's
 * pipeline exists and puts the original back on {@link #close()}. INFO lines are dropped (thousands per
 * scenario); ERROR lines of other components and anything that is not JSON still reach the original stdout.
 */
final class WorkerLogTap implements AutoCloseable {
    private final PrintStream original;
    private final ObjectMapper mapper = Json.newMapper();
    private final Map<String, String> lastReasonByJob = new ConcurrentHashMap<>();
    private final Map<String, String> invalidByMessage = new ConcurrentHashMap<>();
    private final AtomicLong jobFailures = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();

    private WorkerLogTap(PrintStream original) {
        this.original = original;
    }

    /** Replaces stdout until {@link #close()}; install it before the pipeline's functions are built. */
    static WorkerLogTap install() {
        WorkerLogTap tap = new WorkerLogTap(System.out);
        System.setOut(new PrintStream(new LineSplitter(tap), true, StandardCharsets.UTF_8));
        return tap;
    }

    /** The last failure the worker logged for this job ({@code runId|shopId|date}), if any. */
    Optional<String> reasonFor(String jobKey) {
        return Optional.ofNullable(lastReasonByJob.get(jobKey));
    }

    /** "job failed" lines: a job the worker handed back to SQS. */
    long jobFailures() {
        return jobFailures.get();
    }

    /** "raw-log write failed" lines: a write S3 did not confirm, whose jobs went back to SQS. */
    long writeFailures() {
        return writeFailures.get();
    }

    /** Job failures whose reason was a call timeout. */
    long timeouts() {
        return timeouts.get();
    }

    private void line(String line) {
        if (!line.startsWith("{")) {
            original.println(line);
            return;
        }
        JsonNode n;
        try {
            n = mapper.readTree(line);
        } catch (Exception e) {
            original.println(line);
            return;
        }
        String level = n.path("level").asText();
        if ("INFO".equals(level)) {
            return;
        }
        if (!"worker".equals(n.path("component").asText())) {
            if ("ERROR".equals(level)) {
                original.println(line);
            }
            return;
        }
        String message = n.path("message").asText();
        if (message.startsWith("job failed")) {
            jobFailures.incrementAndGet();
            String reason = n.path("reason").asText();
            if (reason.contains("timeout")) {
                timeouts.incrementAndGet();
            }
            lastReasonByJob.put(
                    n.path("runId").asText() + "|" + n.path("shopId").asText() + "|"
                            + n.path("date").asText(),
                    reason);
        } else if (message.startsWith("invalid job message")) {
            invalidByMessage.put(n.path("messageId").asText(), n.path("reason").asText());
        } else if (message.startsWith("raw-log write failed")) {
            writeFailures.incrementAndGet();
        }
    }

    @Override
    public void close() {
        System.out.flush();
        System.setOut(original);
    }

    /** Cuts the byte stream into lines; PrintStream serialises its writers, so lines never interleave. */
    private static final class LineSplitter extends OutputStream {
        private final WorkerLogTap tap;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream(512);

        LineSplitter(WorkerLogTap tap) {
            this.tap = tap;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                tap.line(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            } else {
                pending.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }
}
