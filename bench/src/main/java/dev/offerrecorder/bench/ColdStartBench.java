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

    /** Where the probes' JDK comes from: Lambda runs java21, so a JDK 21 is preferred when one is here. */
    static final String JAVA_HOME_VARIABLE = "COLDSTART_JAVA_HOME";

    /** The JDK the probes run on, its version (from its {@code release} file) and how it was chosen. */
    record ProbeJdk(Path home, String version, String chosenBecause) {
        Path java() {
            return home.resolve("bin").resolve("java");
        }
    }

    @Override
    public String run(int repeats) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path dir = Files.createTempDirectory("coldstart-bench");
        ProbeJdk jdk = probeJdk(System.getenv(JAVA_HOME_VARIABLE), Path.of("/usr/lib/jvm"));
        System.err.println("cold start probes run on JDK " + jdk.version() + " at " + jdk.home() + " ("
                + jdk.chosenBecause() + ")");
        StringBuilder md = new StringBuilder("## Cold start: JVM start to first event handled\n\n")
                .append("Each function's deployment jar alone on the classpath (plus the probe), handler built by "
                        + "its public no-arg constructor from environment variables, one event handled against the "
                        + "embedded stack on loopback. Medians of " + repeats + " fresh JVMs on JDK ")
                .append(jdk.version())
                .append(" (")
                .append(jdk.chosenBecause())
                .append("; Lambda runs java21). `init` = handler constructor (SDK clients, HTTP client, JSON mapper); "
                        + "`first event` = the first invocation including lazy class loading.\n\n")
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
                        runs.add(probe(root, jdk, f, flags, probeClasspath));
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
                + "what each handler's priming warms, and what it does not, is listed in docs/benchmarks.md.\n\n"
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
                        "dev.offerrecorder.transform.TransformStreamHandler",
                        events.resolve("transform.json").toString(),
                        stack.transformEnv(work).values()),
                new Function(
                        "replay",
                        "dev.offerrecorder.replay.ReplayHandler",
                        events.resolve("replay.json").toString(),
                        stack.replayEnv().values()));
    }

    /** A one-message SQS event, as Lambda's poller builds it (DeploymentJarsTest sends the same). */
    static String sqsEvent(String body) {
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
     * A JDK 21 if one is here: {@code COLDSTART_JAVA_HOME}, else a JDK 21 under {@code /usr/lib/jvm}; else the JDK
     * running this bench (the report says which).
     */
    static ProbeJdk probeJdk(String configured, Path jvmDir) throws java.io.IOException {
        if (configured != null && !configured.isBlank()) {
            Path home = Path.of(configured);
            String version = releaseVersion(home)
                    .orElseThrow(() -> new IllegalStateException(JAVA_HOME_VARIABLE + "=" + configured
                            + " is not a JDK (no release file naming its version)"));
            return new ProbeJdk(home, version, JAVA_HOME_VARIABLE);
        }
        if (Files.isDirectory(jvmDir)) {
            try (var homes = Files.list(jvmDir)) {
                for (Path home : homes.sorted().toList()) {
                    var version = releaseVersion(home);
                    if (version.isPresent()
                            && (version.get().equals("21") || version.get().startsWith("21."))
                            && Files.isExecutable(home.resolve("bin/java"))) {
                        return new ProbeJdk(home, version.get(), "a JDK 21 found in " + jvmDir);
                    }
                }
            }
        }
        Path self = Path.of(System.getProperty("java.home"));
        return new ProbeJdk(
                self,
                System.getProperty("java.version"),
                "no JDK 21 here: " + JAVA_HOME_VARIABLE + " unset and none in " + jvmDir + ", so the build's JDK");
    }

    /** JAVA_VERSION from a JDK's {@code release} file. */
    static java.util.Optional<String> releaseVersion(Path home) throws java.io.IOException {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return java.util.Optional.empty();
        }
        return Files.readAllLines(release).stream()
                .filter(l -> l.startsWith("JAVA_VERSION="))
                .map(l ->
                        l.substring("JAVA_VERSION=".length()).replace("\"", "").trim())
                .findFirst();
    }

    /** As {@link #probe(Path, ProbeJdk, Function, String, String)} on the JDK running this bench. */
    static JsonNode probe(Path root, Function f, String flags, String probeClasspath) throws Exception {
        Path self = Path.of(System.getProperty("java.home"));
        return probe(
                root,
                new ProbeJdk(self, System.getProperty("java.version"), "the build's JDK"),
                f,
                flags,
                probeClasspath);
    }

    /** Runs {@link ColdStartProbe} for one function in a fresh JVM and returns its figures. */
    static JsonNode probe(Path root, ProbeJdk jdk, Function f, String flags, String probeClasspath) throws Exception {
        String out = launch(root, jdk, f, flags, probeClasspath);
        String line = out.lines()
                .filter(l -> l.startsWith("COLDSTART "))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(f.name() + " probe printed no figures: " + out));
        return Json.newMapper().readTree(line.substring("COLDSTART ".length()));
    }

    /**
     * Runs {@link ColdStartProbe} for one function in a fresh JVM whose classpath is the function's deployment jar
     * (and the probe's few classes) and returns all it printed.
     *
     * @param flags JVM flags separated by spaces, or ""
     */
    static String launch(Path root, ProbeJdk jdk, Function f, String flags, String probeClasspath) throws Exception {
        Path jar = root.resolve("functions").resolve(f.name()).resolve("target").resolve(f.name() + ".jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " missing: run ./mvnw package first");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(jdk.java().toString());
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
        return out;
    }

    private static long median(List<JsonNode> runs, String field) {
        List<Long> values =
                new ArrayList<>(runs.stream().map(n -> n.path(field).asLong()).toList());
        values.sort(null);
        return values.get(values.size() / 2);
    }
}
