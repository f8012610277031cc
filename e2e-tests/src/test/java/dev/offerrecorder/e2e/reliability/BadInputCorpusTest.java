package dev.offerrecorder.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.fanout.SliceHandler;
import dev.offerrecorder.replay.ReplayHandler;
import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.job.JobCodec;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawLogCodec;
import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.runner.LambdaRunner;
import dev.offerrecorder.testkit.runner.LocalContext;
import dev.offerrecorder.testkit.sim.CalcApiSimulator;
import dev.offerrecorder.testkit.sim.CannedReply;
import dev.offerrecorder.testkit.sim.SimulatorFaults;
import dev.offerrecorder.testkit.support.RawLogs;
import dev.offerrecorder.testkit.support.Table;
import dev.offerrecorder.transform.CompactionHandler;
import dev.offerrecorder.transform.TransformHandler;
import dev.offerrecorder.transform.TransformResult;
import dev.offerrecorder.transform.TransformService;
import dev.offerrecorder.worker.BatchResult;
import dev.offerrecorder.worker.JobMessage;
import dev.offerrecorder.worker.WorkerConfig;
import dev.offerrecorder.worker.WorkerHandler;
import dev.offerrecorder.worker.WorkerService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Runs every case of the bad-input corpus ({@code src/test/resources/bad-inputs/}, see {@link Corpus}) against the
 * real entry point it is meant for, built as Lambda builds it, on the embedded AWS: each input must be refused
 * (or recorded, or quarantined) with the error its index names, and nothing of it may reach the API, a raw-log
 * key or the table.
 */
@WithEmbeddedStack(maxReceiveCount = 1)
class BadInputCorpusTest {
    /** What a raw-log key may look like; nothing from a bad input may ever appear in one. */
    static final Pattern RAW_KEY =
            Pattern.compile("raw/dt=\\d{4}-\\d{2}-\\d{2}/run=[A-Za-z0-9_-]{1,64}/part-[0-9a-f]{24}\\.jsonl\\.gz");

    @TempDir
    static Path dir;

    static EmbeddedStack stack;
    static CalcApiSimulator api;
    final ObjectMapper mapper = Json.newMapper();

    @BeforeAll
    static void start() throws Exception {
        api = new CalcApiSimulator(8, 64, 1, 0);
        stack.s3()
                .putObject(
                        r -> r.bucket(stack.layout().rawBucket()).key("manifests/shops.csv"),
                        RequestBody.fromString("shop_id\n1001\n1002\n"));
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    /** A function built while stdout is captured, so its JSON log (bound at construction) can be read. */
    record Captured<T>(T function, ByteArrayOutputStream log) {
        String logText() {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    static <T> Captured<T> captured(Supplier<T> build) {
        var log = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            return new Captured<>(build.get(), log);
        } finally {
            System.setOut(original);
        }
    }

    private static String invoke(RequestStreamHandler handler, String name, String input) throws Exception {
        return LambdaRunner.invokeDirect(handler, name, input, Duration.ofMinutes(1));
    }

    /** As {@link #expectOutcome} for a batch of one slice message given to SliceHandler. */
    private static void expectSliceOutcome(Corpus.Case c, SliceHandler handler, String event) {
        SQSBatchResponse response;
        try {
            response = LambdaRunner.invokeSqs(handler, "fanout-slices", event, Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            if (!"rejects".equals(c.kind())) {
                fail(c + ": expected success (" + c.kind() + "), the invocation failed with " + e, e);
            }
            c.assertSays(e.getMessage());
            return;
        }
        fail(c + ": expected the invocation to fail, it answered " + response);
    }

    /** 'rejects': the invocation must fail saying so; 'reports': it must succeed and its answer say so. */
    private static void expectOutcome(Corpus.Case c, RequestStreamHandler handler, String name, String input) {
        String output;
        try {
            output = invoke(handler, name, input);
        } catch (Exception e) {
            if (!"rejects".equals(c.kind())) {
                fail(c + ": expected success (" + c.kind() + "), the invocation failed with " + e, e);
            }
            c.assertSays(e.getMessage());
            return;
        }
        if ("rejects".equals(c.kind())) {
            fail(c + ": expected the invocation to fail, it answered " + output);
        }
        c.assertSays(output);
    }

    private static DynamicTest test(Corpus.Case c, org.junit.jupiter.api.function.Executable body) {
        return dynamicTest(c.file(), body);
    }

    @TestFactory
    Stream<DynamicTest> fanoutRequests() throws Exception {
        var fanout = captured(() -> new FanoutHandler(stack.fanoutEnv()
                .with("SHOP_MANIFEST", "s3://" + stack.layout().rawBucket() + "/manifests/shops.csv")));
        var slices = new SliceHandler(stack.fanoutEnv());
        return Corpus.folder("fanout").stream()
                .map(c -> test(c, () -> {
                    if (c.file().startsWith("slice-")) {
                        // Slice messages reach the fan-out queue's own function, SliceHandler.
                        expectSliceOutcome(c, slices, c.text());
                    } else {
                        expectOutcome(c, fanout.function(), "fanout", c.text());
                    }
                    assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), c + ": nothing may be enqueued");
                }));
    }

    @TestFactory
    Stream<DynamicTest> manifests() throws Exception {
        var fanout = captured(() -> new FanoutHandler(stack.fanoutEnv()));
        String bucket = stack.layout().rawBucket();
        return Corpus.folder("manifests").stream()
                .map(c -> test(c, () -> {
                    stack.s3()
                            .putObject(
                                    r -> r.bucket(bucket).key("manifests/" + c.file()),
                                    RequestBody.fromBytes(c.bytes()));
                    String request = "{\"from\":\"2024-01-01\",\"to\":\"2024-01-01\",\"manifest\":\"s3://" + bucket
                            + "/manifests/" + c.file() + "\",\"runId\":\"corpus\",\"dryRun\":true}";
                    expectOutcome(c, fanout.function(), "fanout", request);
                    assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), c + ": a dry run enqueues nothing");
                }));
    }

    @TestFactory
    Stream<DynamicTest> jobBodies() throws Exception {
        List<Corpus.Case> cases = Corpus.folder("job-bodies");
        var log = new ByteArrayOutputStream();
        WorkerService worker = WorkerService.create(
                WorkerConfig.from(stack.workerEnv(api.urlTemplate())
                        .with("API_BACKOFF_BASE_MS", "10")
                        .with("API_BACKOFF_MAX_MS", "100")),
                stack.s3(),
                Optional.empty(),
                new JsonLog("worker", new PrintStream(log, true, StandardCharsets.UTF_8)));
        List<JobMessage> batch = new ArrayList<>();
        for (Corpus.Case c : cases) {
            batch.add(new JobMessage("bad-" + c.file(), c.text()));
        }
        Job control = new Job("corpus-jobs", "1001", LocalDate.of(2024, 4, 3));
        batch.add(new JobMessage("control", new JobCodec().encode(control)));
        long requestsBefore = api.stats().requests();
        BatchResult result = worker.process(batch, () -> 60_000);
        long requests = api.stats().requests() - requestsBefore;
        Set<String> failed = new HashSet<>(result.failedMessageIds());
        Map<String, String> reasons =
                logReasons(log.toString(StandardCharsets.UTF_8), "invalid job message", "messageId");

        DynamicTest batchChecks = dynamicTest("(the batch) only the control job reaches the API and S3", () -> {
            assertEquals(1, result.jobsRecorded(), "the control job is recorded: " + result);
            assertFalse(failed.contains("control"), "the control job is acknowledged");
            assertEquals(1, requests, "only the control job may reach the API");
            for (var o : stack.s3()
                    .listObjectsV2(r -> r.bucket(stack.layout().rawBucket()).prefix("raw/"))
                    .contents()) {
                assertTrue(RAW_KEY.matcher(o.key()).matches(), "raw-log key " + o.key());
            }
        });
        return Stream.concat(
                Stream.of(batchChecks),
                cases.stream()
                        .map(c -> test(c, () -> {
                            try {
                                Job job = new JobCodec().decode(c.text());
                                fail(c + ": decoded as a job: " + job);
                            } catch (InvalidJobException e) {
                                c.assertSays(e.getMessage());
                            }
                            assertTrue(
                                    failed.contains("bad-" + c.file()),
                                    c + ": the worker must report the message failed");
                            c.assertSays(reasons.get("bad-" + c.file()));
                        })));
    }

    @TestFactory
    Stream<DynamicTest> rawLogLines() throws Exception {
        List<Corpus.Case> cases = Corpus.folder("raw-lines");
        String rawBucket = stack.layout().rawBucket();
        var transform = new TransformService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("transform-work")),
                new JsonLog("transform", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        String good = new String(rawLine("corpus-lines", "1001"), StandardCharsets.UTF_8);

        // Every .line case in one object, after one good line: line i + 2 is case i.
        List<Corpus.Case> lines =
                cases.stream().filter(c -> c.file().endsWith(".line")).toList();
        var joined = new ByteArrayOutputStream();
        joined.write(good.getBytes(StandardCharsets.UTF_8));
        joined.write('\n');
        for (Corpus.Case c : lines) {
            assertFalse(c.text().contains("\n"), c + " must be one line");
            joined.write(c.bytes());
            joined.write('\n');
        }
        String key = "raw/dt=2024-04-01/run=corpus-lines/part-lines.jsonl.gz";
        stack.s3().putObject(r -> r.bucket(rawBucket).key(key), RequestBody.fromBytes(gzip(joined.toByteArray())));
        TransformResult result = transform.transform(rawBucket, key);
        Map<Long, String> reasonByLine = quarantineReasons(result.quarantineObject());
        Map<String, Map<String, Object>> rowByShop = new HashMap<>();
        for (Map<String, Object> row : tableRows("corpus")) {
            rowByShop.put((String) row.get("shop_id"), row);
        }
        long garbageRows =
                lines.stream().filter(c -> "garbage-row".equals(c.kind())).count();

        DynamicTest objectChecks = dynamicTest(
                "(the object) the good line and the reclassified ones are rows, every "
                        + "other bad line is quarantined",
                () -> {
                    assertEquals(1 + garbageRows, result.rowsOut(), "rows: " + result);
                    assertEquals(lines.size() - garbageRows, result.quarantined(), "quarantined: " + result);
                });
        List<DynamicTest> tests = new ArrayList<>(List.of(objectChecks));
        for (int i = 0; i < lines.size(); i++) {
            Corpus.Case c = lines.get(i);
            long line = i + 2;
            tests.add(test(c, () -> {
                switch (c.kind()) {
                    case "quarantines" -> c.assertSays(reasonByLine.get(line));
                    case "garbage-row" -> {
                        // The case's shop ID is its file name, so its row can be found.
                        String shop = c.file().substring(0, c.file().lastIndexOf('.'));
                        Map<String, Object> row = rowByShop.get(shop);
                        assertNotNull(row, c + ": expected a row for shop " + shop + ", rows: " + rowByShop.keySet());
                        assertEquals("GARBAGE", row.get("outcome"), c + ": " + row);
                        c.assertSays((String) row.get("error"));
                    }
                    default -> fail(c + ": unknown kind " + c.kind());
                }
            }));
        }
        for (Corpus.Case c :
                cases.stream().filter(c -> c.file().endsWith(".object")).toList()) {
            tests.add(test(c, () -> {
                String objectKey =
                        "raw/dt=2024-04-01/run=corpus-objects/part-" + c.file().replace('.', '-') + ".jsonl.gz";
                stack.s3().putObject(r -> r.bucket(rawBucket).key(objectKey), RequestBody.fromBytes(c.bytes()));
                TransformResult r = transform.transform(rawBucket, objectKey);
                assertTrue(r.truncated(), c + ": the broken object is reported truncated: " + r);
                Map<Long, String> reasons = quarantineReasons(r.quarantineObject());
                c.assertSays(reasons.get(r.linesIn()));
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> apiResponses() throws Exception {
        List<Corpus.Case> cases = Corpus.folder("api-responses");
        String runId = "corpus-api";
        LocalDate date = LocalDate.of(2024, 4, 2);
        Map<String, CannedReply> replies = new HashMap<>();
        Map<String, Corpus.Case> byShop = new LinkedHashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            String shop = "c" + i;
            replies.put(shop, reply(cases.get(i)));
            byShop.put(shop, cases.get(i));
        }
        var log = new ByteArrayOutputStream();
        // Two attempts, Retry-After capped at 200 ms: transient answers fail fast, as SQS would retry them later.
        WorkerService worker = WorkerService.create(
                WorkerConfig.from(stack.workerEnv(api.urlTemplate())
                        .with("API_MAX_ATTEMPTS", "2")
                        .with("API_BACKOFF_BASE_MS", "10")
                        .with("API_BACKOFF_MAX_MS", "200")
                        .with("API_CALL_TIMEOUT_MS", "3000")),
                stack.s3(),
                Optional.empty(),
                new JsonLog("worker", new PrintStream(log, true, StandardCharsets.UTF_8)));
        List<JobMessage> batch = new ArrayList<>();
        JobCodec codec = new JobCodec();
        byShop.keySet()
                .forEach(shop -> batch.add(new JobMessage("m-" + shop, codec.encode(new Job(runId, shop, date)))));
        api.setFaults(SimulatorFaults.none().withCannedReplies(replies));
        try {
            // A refused credential stops its whole batch (#13): each such answer gets a batch of its own.
            List<JobMessage> rest = new ArrayList<>();
            for (JobMessage m : batch) {
                int status = replies.get(codec.decode(m.body()).shopId()).status();
                if (status == 401 || status == 403) {
                    worker.process(List.of(m), () -> 60_000);
                } else {
                    rest.add(m);
                }
            }
            worker.process(rest, () -> 60_000);
        } finally {
            api.setFaults(SimulatorFaults.none());
        }
        Map<String, String> failures = logReasons(log.toString(StandardCharsets.UTF_8), "job failed", "shopId");

        // What was recorded goes through the transform, as the S3 notification would send it.
        String rawBucket = stack.layout().rawBucket();
        var transform = new TransformService(
                stack.s3(),
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("api-work")),
                new JsonLog("transform", new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        Map<String, String> quarantined = new HashMap<>();
        for (var o : stack.s3()
                .listObjectsV2(r -> r.bucket(rawBucket).prefix("raw/dt=" + date + "/run=" + runId + "/"))
                .contents()) {
            TransformResult r = transform.transform(rawBucket, o.key());
            if (r.quarantineObject() != null) {
                for (JsonNode q : quarantineLines(r.quarantineObject())) {
                    quarantined.put(
                            mapper.readTree(q.path("raw").asText())
                                    .path("shopId")
                                    .asText(),
                            q.path("reason").asText());
                }
            }
        }
        Map<String, JsonNode> recorded = new HashMap<>();
        RawLogs.readAll(stack.s3(), rawBucket).stream()
                .filter(n -> runId.equals(n.path("runId").asText()))
                .forEach(n -> recorded.put(n.path("shopId").asText(), n));
        Map<String, Map<String, Object>> rows = new HashMap<>();
        tableRows(runId).forEach(r -> rows.put((String) r.get("shop_id"), r));

        return byShop.entrySet().stream()
                .map(e -> test(e.getValue(), () -> {
                    String shop = e.getKey();
                    JsonNode record = recorded.get(shop);
                    String verdict;
                    if (record != null) {
                        verdict = "recorded " + record.path("outcome").asText()
                                + (record.hasNonNull("error")
                                        ? " error=" + record.path("error").asText()
                                        : "")
                                + (rows.containsKey(shop)
                                        ? "; table row " + rows.get(shop).get("outcome")
                                                + (rows.get(shop).get("error") != null
                                                        ? " error="
                                                                + rows.get(shop).get("error")
                                                        : "")
                                        : "")
                                + (quarantined.containsKey(shop) ? "; quarantined: " + quarantined.get(shop) : "");
                        assertFalse(failures.containsKey(shop), e.getValue() + ": recorded and failed at once");
                    } else {
                        verdict = "failed: " + failures.get(shop);
                    }
                    assertEquals(
                            e.getValue().kind(), record != null ? "records" : "fails", e.getValue() + ": " + verdict);
                    e.getValue().assertSays(verdict);
                }));
    }

    @TestFactory
    Stream<DynamicTest> compactionRequests() throws Exception {
        var compaction = captured(() -> new CompactionHandler(stack.baseEnv()
                .with("PLATFORM_BUCKET", stack.layout().platformBucket())
                .with("WORK_DIR", dir.resolve("compact").toString())));
        return Corpus.folder("compaction").stream()
                .map(c -> test(c, () -> expectOutcome(c, compaction.function(), "compaction", c.text())));
    }

    @TestFactory
    Stream<DynamicTest> replayRequests() throws Exception {
        var replay = captured(() -> new ReplayHandler(stack.replayEnv()));
        return Corpus.folder("replay").stream()
                .map(c -> test(c, () -> {
                    expectOutcome(c, replay.function(), "replay", c.text());
                    assertEquals(0, stack.depth(stack.layout().jobQueue()).total(), c + ": nothing may be moved");
                }));
    }

    @TestFactory
    Stream<DynamicTest> transformNotifications() throws Exception {
        List<Corpus.Case> cases = Corpus.folder("transform-notifications");
        var transform = captured(() -> new TransformHandler(stack.transformEnv(dir.resolve("notify-work"))));
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Corpus.Case c : cases) {
            var m = new SQSEvent.SQSMessage();
            m.setMessageId("n-" + c.file());
            m.setBody(c.text());
            m.setEventSource("aws:sqs");
            records.add(m);
        }
        event.setRecords(records);
        SQSBatchResponse response =
                transform.function().handleRequest(event, new LocalContext("transform", 60_000, 1024));
        Set<String> failed = new HashSet<>();
        response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        Map<String, String> errors = logReasons(transform.logText(), "transform failed", "messageId", "error");
        return cases.stream()
                .map(c -> test(c, () -> {
                    assertTrue(failed.contains("n-" + c.file()), c + ": must be a batch item failure");
                    c.assertSays(errors.get("n-" + c.file()));
                }));
    }

    /**
     * One configuration case: a function built from an otherwise valid environment with one bad variable, and
     * the other variables ({@code with}) that make it bad, if any.
     */
    record ConfigCase(String function, String variable, String value, Map<String, String> with, String expected) {}

    @TestFactory
    Stream<DynamicTest> configurationValues() throws Exception {
        Path file = Corpus.root().resolve("config").resolve("cases.jsonl");
        List<ConfigCase> cases = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode n = mapper.readTree(line);
                cases.add(new ConfigCase(
                        n.path("function").asText(),
                        n.path("variable").asText(),
                        n.path("value").isNull() ? null : n.path("value").asText(),
                        mapper.convertValue(
                                n.path("with").isMissingNode() ? mapper.createObjectNode() : n.path("with"),
                                new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {}),
                        n.path("expected").asText()));
            }
        }
        Stream<DynamicTest> controls = Stream.of("worker", "fanout", "transform", "compaction", "replay")
                .map(f -> dynamicTest(
                        "(control) " + f + " starts from the valid environment", () -> build(f, validEnv(f))));
        return Stream.concat(
                controls,
                cases.stream()
                        .map(c -> dynamicTest(c.function() + " " + c.variable() + "=" + c.value(), () -> {
                            Map<String, String> env = new HashMap<>(validEnv(c.function()));
                            env.putAll(c.with());
                            if (c.value() == null) {
                                env.remove(c.variable());
                            } else {
                                env.put(c.variable(), c.value());
                            }
                            try {
                                build(c.function(), env);
                                fail(c + ": the function started");
                            } catch (ConfigException e) {
                                assertEquals(
                                        c.variable(),
                                        e.variable(),
                                        c + ": the error names the variable: " + e.getMessage());
                                assertTrue(
                                        e.getMessage().contains(c.variable())
                                                && e.getMessage().contains(c.expected()),
                                        c + ": message was " + e.getMessage());
                            }
                        })));
    }

    private static Map<String, String> validEnv(String function) {
        Map<String, String> env = new HashMap<>(Map.of(
                "AWS_REGION",
                "us-east-1",
                "AWS_ENDPOINT_URL_S3",
                "http://127.0.0.1:9",
                "AWS_ENDPOINT_URL_SQS",
                "http://127.0.0.1:9"));
        switch (function) {
            case "worker" ->
                env.putAll(Map.of(
                        "CALC_API_URL_TEMPLATE",
                        "https://api.example.com/v1/shops/{shopId}/offer?date={date}",
                        "RAW_BUCKET",
                        "raw"));
            case "fanout" ->
                env.putAll(Map.of("JOB_QUEUE_URL", "http://127.0.0.1:9/000000000000/jobs", "RAW_BUCKET", "raw"));
            case "transform", "compaction" ->
                env.putAll(Map.of("PLATFORM_BUCKET", "platform", "WORK_DIR", System.getProperty("java.io.tmpdir")));
            case "replay" ->
                env.putAll(Map.of(
                        "JOB_QUEUE_URL",
                        "http://127.0.0.1:9/000000000000/jobs",
                        "JOB_DLQ_URL",
                        "http://127.0.0.1:9/000000000000/jobs-dlq"));
            default -> throw new IllegalArgumentException("no function " + function);
        }
        return env;
    }

    /** Builds the function as Lambda's cold start does (configuration read, clients created, no calls made). */
    private static Object build(String function, Map<String, String> values) {
        Env env = new Env(values);
        Supplier<Object> coldStart =
                switch (function) {
                    case "worker" -> () -> new WorkerHandler(env);
                    case "fanout" -> () -> new FanoutHandler(env);
                    case "transform" -> () -> new TransformHandler(env);
                    case "compaction" -> () -> new CompactionHandler(env);
                    case "replay" -> () -> new ReplayHandler(env);
                    default -> throw new IllegalArgumentException("no function " + function);
                };
        return captured(coldStart).function();
    }

    /** The table's rows of one run: shop, outcome and error. */
    private static List<Map<String, Object>> tableRows(String runId) throws Exception {
        Path table = stack.localCopy(stack.layout().platformBucket(), TableKeys.TABLE_PREFIX);
        return Table.query(table, "SELECT shop_id, outcome, error FROM {table} WHERE run_id = '" + runId + "'");
    }

    /** The reason field of each log line with this message, keyed by one of its fields. */
    private Map<String, String> logReasons(String log, String message, String keyField) throws IOException {
        return logReasons(log, message, keyField, "reason");
    }

    private Map<String, String> logReasons(String log, String message, String keyField, String reasonField)
            throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : log.split("\n")) {
            if (line.startsWith("{")) {
                JsonNode n = mapper.readTree(line);
                if (n.path("message").asText().startsWith(message)) {
                    out.put(n.path(keyField).asText(), n.path(reasonField).asText());
                }
            }
        }
        return out;
    }

    private List<JsonNode> quarantineLines(String key) throws IOException {
        assertNotNull(key, "a quarantine object was written");
        String text = stack.s3()
                .getObjectAsBytes(r -> r.bucket(stack.layout().platformBucket()).key(key))
                .asUtf8String();
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(mapper.readTree(line));
            }
        }
        return out;
    }

    private Map<Long, String> quarantineReasons(String key) throws IOException {
        Map<Long, String> out = new HashMap<>();
        for (JsonNode q : quarantineLines(key)) {
            out.put(q.path("line").asLong(), q.path("reason").asText());
        }
        return out;
    }

    /** A well-formed raw-log line, as the worker writes one. */
    private static byte[] rawLine(String runId, String shopId) {
        var record = new dev.offerrecorder.shared.rawlog.RawRecord(
                1,
                runId,
                shopId,
                LocalDate.of(2024, 4, 1),
                "http://127.0.0.1/v1/shops/" + shopId + "/offer?date=2024-04-01",
                200,
                dev.offerrecorder.shared.rawlog.Outcome.OK,
                5,
                1,
                CalcApiSimulator.body(shopId, "2024-04-01"),
                java.time.Instant.parse("2024-04-02T00:00:00Z"),
                "m-1",
                null);
        return new RawLogCodec().line(record).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Parses an .http case: {@code HTTP <status>}, header lines, a blank line, then the body verbatim. */
    private static CannedReply reply(Corpus.Case c) {
        String text = c.text();
        int blank = text.indexOf("\n\n");
        String head = blank < 0 ? text : text.substring(0, blank);
        String body = blank < 0 ? "" : text.substring(blank + 2);
        String[] lines = head.split("\n");
        if (!lines[0].startsWith("HTTP ")) {
            throw new IllegalArgumentException(c + ": first line must be 'HTTP <status>'");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim(),
                    lines[i].substring(colon + 1).trim());
        }
        return new CannedReply(Integer.parseInt(lines[0].substring(5).trim()), headers, body);
    }
}
