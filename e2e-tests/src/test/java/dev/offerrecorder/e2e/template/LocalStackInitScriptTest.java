package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * localstack/init/ready.d/create-stack.sh creates what template.yaml declares: the same queues with the same
 * visibility, retention and redrive, the buckets and the raw-log notification, under the names {@link
 * StackLayout#local()} and events/sam-env-localstack.json use. The script is read as text (no Docker here);
 * LocalStackContainerTest runs it where Docker is.
 */
class LocalStackInitScriptTest {
    static final String SCRIPT = "localstack/init/ready.d/create-stack.sh";
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();
    private static final Pattern QUEUE_WITH_DLQ =
            Pattern.compile("(?m)^queue_with_dlq \"\\$PREFIX-([a-z-]+)\" (\\d+) (\\d+)$");
    private static final Pattern QUEUE_NAME = Pattern.compile("--queue-name \"\\$PREFIX-([a-z-]+)\"");

    /** The script's queue_with_dlq lines by suffix: {visibility, maxReceiveCount}. */
    private static Map<String, long[]> scriptQueues(String script) {
        Map<String, long[]> out = new TreeMap<>();
        Matcher m = QUEUE_WITH_DLQ.matcher(script);
        while (m.find()) {
            out.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        return out;
    }

    private static String variable(String script, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "=(\\S+)").matcher(script);
        assertTrue(m.find(), SCRIPT + " sets no " + name);
        String value = m.group(1).replace("\"", "");
        return name.equals("PREFIX") ? value : value.replace("$PREFIX", variable(script, "PREFIX"));
    }

    private static long number(Object value) {
        return Long.parseLong(String.valueOf(value).trim());
    }

    /** What follows "${AWS::StackName}-" in a queue's QueueName. */
    private static String suffix(String queueId) {
        String name = Cfn.subTemplate(TEMPLATE.properties(queueId).get("QueueName"))
                .orElseThrow(() -> new AssertionError(queueId + ": QueueName is not a !Sub"));
        String stack = "${AWS::StackName}-";
        assertTrue(name.startsWith(stack), queueId + ": " + name);
        return name.substring(stack.length());
    }

    private static String script() throws IOException {
        return Files.readString(CfnTemplate.repoRoot().resolve(SCRIPT));
    }

    @Test
    void queuesAreTheTemplates() throws IOException {
        String script = script();
        Map<String, long[]> created = scriptQueues(script);
        long sourceRetention = Long.parseLong(variable(script, "SOURCE_RETENTION"));
        long dlqRetention = Long.parseLong(variable(script, "DLQ_RETENTION"));
        Set<String> withRedrive = new TreeSet<>();
        for (String id : TEMPLATE.idsOfType("AWS::SQS::Queue")) {
            Map<String, Object> q = TEMPLATE.properties(id);
            if (!q.containsKey("RedrivePolicy")) {
                continue;
            }
            String suffix = suffix(id);
            withRedrive.add(suffix);
            long[] local = created.get(suffix);
            assertTrue(local != null, SCRIPT + " creates no queue_with_dlq \"$PREFIX-" + suffix + "\" (" + id + ")");
            Map<String, Object> redrive = Cfn.map(q.get("RedrivePolicy"));
            assertEquals(number(q.get("VisibilityTimeout")), local[0], id + " VisibilityTimeout");
            assertEquals(number(redrive.get("maxReceiveCount")), local[1], id + " maxReceiveCount");
            assertEquals(number(q.get("MessageRetentionPeriod")), sourceRetention, id + " MessageRetentionPeriod");
            String dlq = Cfn.getAttResource(redrive.get("deadLetterTargetArn"))
                    .orElseThrow(() -> new AssertionError(id + ": deadLetterTargetArn is not a !GetAtt"));
            assertEquals(suffix + "-dlq", suffix(dlq), "the script names " + id + "'s DLQ <name>-dlq");
            assertEquals(
                    number(TEMPLATE.properties(dlq).get("MessageRetentionPeriod")),
                    dlqRetention,
                    dlq + " MessageRetentionPeriod");
        }
        assertEquals(withRedrive, created.keySet(), "queues with a DLQ: template vs " + SCRIPT);

        // The one queue without redrive: the fan-out's asynchronous-invocation failures.
        assertEquals("fanout-failures", suffix("FanoutFailureQueue"));
        assertTrue(script.contains("--queue-name \"$PREFIX-fanout-failures\""), SCRIPT);
        assertEquals(number(TEMPLATE.properties("FanoutFailureQueue").get("MessageRetentionPeriod")), dlqRetention);
    }

    @Test
    void namesAndValuesAreTheLocalStacks() throws IOException {
        String script = script();
        StackLayout local = StackLayout.local();
        String prefix = variable(script, "PREFIX");
        assertEquals(local.prefix(), prefix);
        Map<String, long[]> created = scriptQueues(script);
        assertEquals(
                Set.of(local.jobQueue(), local.fanoutQueue(), local.transformQueue()),
                Set.copyOf(created.keySet().stream().map(s -> prefix + "-" + s).toList()));
        assertEquals(local.jobMaxReceiveCount(), created.get("jobs")[1]);
        assertEquals(StackLayout.FANOUT_MAX_RECEIVES, created.get("fanout")[1]);
        assertEquals(StackLayout.TRANSFORM_MAX_RECEIVES, created.get("transform")[1]);
        assertEquals(local.queueRetention().toSeconds(), Long.parseLong(variable(script, "SOURCE_RETENTION")));
        assertEquals(local.dlqRetention().toSeconds(), Long.parseLong(variable(script, "DLQ_RETENTION")));
        assertEquals(local.rawBucket(), variable(script, "RAW_BUCKET"));
        assertEquals(local.platformBucket(), variable(script, "PLATFORM_BUCKET"));
        assertEquals(local.jobDlq(), prefix + "-jobs-dlq");
        assertTrue(Files.isExecutable(CfnTemplate.repoRoot().resolve(SCRIPT)), "LocalStack runs only executables");
    }

    @Test
    void rawLogsNotifyTheTransformQueueAsInTheTemplate() throws IOException {
        String script = script();
        List<Object> configs = Cfn.list(Cfn.map(TEMPLATE.properties("RawBucket").get("NotificationConfiguration"))
                .get("QueueConfigurations"));
        assertEquals(1, configs.size());
        Map<String, Object> config = Cfn.map(configs.getFirst());
        assertTrue(Cfn.isGetAtt(config.get("Queue"), "TransformQueue", "Arn"), String.valueOf(config));
        assertTrue(script.contains("--queue-name \"$PREFIX-" + suffix("TransformQueue") + "\""), SCRIPT);
        assertTrue(script.contains("\\\"Events\\\":[\\\"" + config.get("Event") + "\\\"]"), "event " + config);
        Map<String, String> rules = new LinkedHashMap<>();
        for (Object rule :
                Cfn.list(Cfn.map(Cfn.map(config.get("Filter")).get("S3Key")).get("Rules"))) {
            rules.put(
                    String.valueOf(Cfn.map(rule).get("Name")),
                    String.valueOf(Cfn.map(rule).get("Value")));
        }
        Map<String, String> scripted = Map.of(
                "prefix", variable(script, "RAW_NOTIFY_PREFIX"), "suffix", variable(script, "RAW_NOTIFY_SUFFIX"));
        assertEquals(rules, scripted, "the raw bucket's notification filter: template vs " + SCRIPT);
        assertTrue(script.contains("put-bucket-notification-configuration --bucket \"$RAW_BUCKET\""), SCRIPT);
    }

    /** Every queue, bucket and manifest events/sam-env-localstack.json names is one the script creates. */
    @Test
    void theSamEnvFileNamesWhatTheScriptCreates() throws IOException {
        String script = script();
        String prefix = variable(script, "PREFIX");
        Set<String> queues = new TreeSet<>();
        scriptQueues(script).keySet().forEach(s -> {
            queues.add(prefix + "-" + s);
            queues.add(prefix + "-" + s + "-dlq");
        });
        Matcher named = QUEUE_NAME.matcher(script);
        while (named.find()) {
            queues.add(prefix + "-" + named.group(1));
        }
        Set<String> buckets = Set.of(variable(script, "RAW_BUCKET"), variable(script, "PLATFORM_BUCKET"));
        Path file = CfnTemplate.repoRoot().resolve(SamEnvVarsTest.FILE);
        Map<String, Map<String, String>> env = Json.newMapper()
                .readValue(Files.readString(file), new TypeReference<Map<String, Map<String, String>>>() {});
        int checked = 0;
        for (var function : env.entrySet()) {
            for (var variable : function.getValue().entrySet()) {
                String where = SamEnvVarsTest.FILE + " " + function.getKey() + "." + variable.getKey();
                String value = variable.getValue();
                if (variable.getKey().endsWith("_QUEUE_URL")
                        || variable.getKey().endsWith("_DLQ_URL")) {
                    String path = URI.create(value).getPath();
                    assertTrue(queues.contains(path.substring(path.lastIndexOf('/') + 1)), where + ": " + value);
                    checked++;
                } else if (variable.getKey().endsWith("_BUCKET")) {
                    assertTrue(buckets.contains(value), where + ": " + value);
                    checked++;
                } else if (variable.getKey().equals("SHOP_MANIFEST")) {
                    URI manifest = URI.create(value);
                    assertTrue(buckets.contains(manifest.getHost()), where + ": " + value);
                    String copied = "s3://$RAW_BUCKET" + manifest.getPath();
                    assertTrue(
                            manifest.getHost().equals(variable(script, "RAW_BUCKET")) && script.contains(copied),
                            where + ": the script uploads no " + value);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 10, "checked only " + checked + " names in " + file);
    }
}
