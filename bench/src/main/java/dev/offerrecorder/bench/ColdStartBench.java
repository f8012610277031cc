package dev.offerrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.rawlog.Outcome;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.testkit.aws.EmbeddedAws;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Cold start of each function as a whole JVM process: JVM start to first event handled, with the handler built
 * as Lambda builds it from the deployment jar alone, against the embedded stack. Runs with the JVM's defaults
 * and with {@code -XX:TieredStopAtLevel=1} (what the java21 runtime uses by default).
 */
public final class ColdStartBench implements Benchmark {
    record Function(String name, String handler, String eventFile, Map<String, String> env) {}

    @Override
    public String id() {
        return "coldstart";
    }

    @Override
    public String run(int repeats) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path dir = Files.createTempDirectory("coldstart-bench");
        StringBuilder md = new StringBuilder("## Cold start: JVM start to first event handled\n\n")
                .append("Each function's deployment jar alone on the classpath (plus the probe), handler built by "
                        + "its public no-arg constructor from environment variables, one event handled against the "
                        + "embedded stack on loopback. Medians of " + repeats + " fresh JVMs (")
                .append(System.getProperty("java.vm.name"))
                .append(' ')
                .append(System.getProperty("java.version"))
                .append("). `init` = handler constructor (SDK clients, HTTP client, JSON mapper); `first event` = "
                        + "the first invocation including lazy class loading.\n\n")
                .append("| function | JVM flags | JVM to main (ms) | init (ms) | first event (ms) | total (ms) |\n")
                .append("|---|---|---|---|---|---|\n");
        try (EmbeddedStack stack = EmbeddedStack.start(dir, StackLayout.local());
                CalcApiSimulator api = new CalcApiSimulator(4, 4, 5, 0)) {
            List<Function> functions = functions(stack, api, dir);
            String probeClasspath = probeClasspath(root);
            for (Function f : functions) {
                for (String flags : List.of("", "-XX:TieredStopAtLevel=1")) {
                    List<JsonNode> runs = new ArrayList<>();
                    for (int r = 0; r < repeats; r++) {
                        runs.add(probe(root, f, flags, probeClasspath));
                    }
                    String row = String.format(
                            Locale.ROOT,
                            "| %s | %s | %d | %d | %d | %d |",
                            f.name(),
                            flags.isEmpty() ? "(defaults)" : "`" + flags + "`",
                            median(runs, "jvmToMainMs"),
                            median(runs, "initMs"),
                            median(runs, "firstEventMs"),
                            median(runs, "totalMs"));
                    System.err.println(row);
                    md.append(row).append('\n');
                }
            }
        }
        md.append("\nSnapStart (enabled in template.yaml) replaces most of this on AWS with a snapshot restore; "
                + "the handlers prime the JSON mapper, HTTP and SDK clients before the snapshot.\n\n"
                + "Reproduce: `./mvnw -q package -DskipTests && ./recorder bench --only coldstart`.\n");
        return md.toString();
    }

    private List<Function> functions(EmbeddedStack stack, CalcApiSimulator api, Path dir) throws Exception {
        Path events = Files.createDirectories(dir.resolve("events"));
        var layout = stack.layout();
        String job = new JobCodec().encode(new Job("cold", "123", LocalDate.of(2024, 1, 1)));
        Files.writeString(events.resolve("worker.json"), sqsEvent(job));
        var record = new RawRecord(
                1,
                "cold",
                "123",
                LocalDate.of(2024, 1, 1),
                "http://x",
                200,
                Outcome.OK,
                5,
                1,
                CalcApiSimulator.body("123", "2024-01-01"),
                Instant.parse("2024-01-02T00:00:00Z"),
                "m",
                null);
        String rawKey = "raw/dt=2024-01-01/run=cold/part-000000000000000000000001.jsonl.gz";
        stack.s3()
                .putObject(
                        r -> r.bucket(layout.rawBucket()).key(rawKey),
                        RequestBody.fromBytes(new RawLogCodec().encode(List.of(record))));
        String notification = "{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"" + layout.rawBucket()
                + "\"},\"object\":{\"key\":\"" + rawKey + "\"}}}]}";
        Files.writeString(events.resolve("transform.json"), sqsEvent(notification));
        Files.writeString(
                events.resolve("fanout.json"),
                "{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\","
                        + "\"shopRange\":{\"from\":1,\"to\":10},\"runId\":\"cold\"}");
        Files.writeString(events.resolve("replay.json"), "{\"action\":\"list\"}");
        Path work = Files.createDirectories(dir.resolve("work"));
        return List.of(
                new Function(
                        "fanout",
                        "dev.offerrecorder.fanout.FanoutHandler",
                        events.resolve("fanout.json").toString(),
                        stack.fanoutEnv().values()),
                new Function(
                        "worker",
                        "dev.offerrecorder.worker.WorkerHandler",
                        events.resolve("worker.json").toString(),
                        stack.workerEnv(api.urlTemplate()).values()),
                new Function(
                        "transform",
                        "dev.offerrecorder.transform.TransformHandler",
                        events.resolve("transform.json").toString(),
                        stack.transformEnv(work).values()),
                new Function(
                        "replay",
                        "dev.offerrecorder.replay.ReplayHandler",
                        events.resolve("replay.json").toString(),
                        stack.replayEnv().values()));
    }

    /** A one-message SQS event, as Lambda's poller builds it. */
    private static String sqsEvent(String body) {
        Message m = Message.builder()
                .messageId("m-1")
                .receiptHandle("r-1")
                .md5OfBody("x")
                .body(body)
                .attributesWithStrings(Map.of("ApproximateReceiveCount", "1"))
                .build();
        return LambdaRunner.sqsEventJson(List.of(m), "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
    }

    /** The probe, the local context it uses and the runtime's event serializer: nothing else of the project. */
    static String probeClasspath(Path root) {
        List<String> entries = new ArrayList<>();
        entries.add(root.resolve("bench/target/classes").toString());
        entries.add(root.resolve("local/target/classes").toString());
        // The probe's LocalContext lives in the testkit; only its classes, not its embedded servers' libraries.
        entries.add(root.resolve("testkit/target/classes").toString());
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.contains("aws-lambda-java-serialization") || e.contains("joda-time")) {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * Runs {@link ColdStartProbe} for one function in a fresh JVM and returns its figures.
     *
     * @param flags JVM flags separated by spaces, or ""
     */
    static JsonNode probe(Path root, Function f, String flags, String probeClasspath) throws Exception {
        Path jar = root.resolve("functions").resolve(f.name()).resolve("target").resolve(f.name() + ".jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " missing: run ./mvnw package first");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!flags.isBlank()) {
            cmd.addAll(List.of(flags.trim().split(" +")));
        }
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        // The function jar first: its classes win over anything the probe's entries also carry.
        cmd.add(jar + File.pathSeparator + probeClasspath);
        cmd.add("dev.offerrecorder.bench.ColdStartProbe");
        cmd.add(f.handler());
        cmd.add(f.eventFile());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.putAll(new HashMap<>(f.env()));
        env.put("AWS_ACCESS_KEY_ID", EmbeddedAws.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", EmbeddedAws.SECRET_KEY);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(f.name() + " probe failed: " + out);
        }
        String line = out.lines()
                .filter(l -> l.startsWith("COLDSTART "))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(f.name() + " probe printed no figures: " + out));
        return Json.newMapper().readTree(line.substring("COLDSTART ".length()));
    }

    private static long median(List<JsonNode> runs, String field) {
        List<Long> values =
                new ArrayList<>(runs.stream().map(n -> n.path(field).asLong()).toList());
        values.sort(null);
        return values.get(values.size() / 2);
    }
}
