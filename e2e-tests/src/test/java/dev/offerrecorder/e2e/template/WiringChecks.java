package dev.offerrecorder.e2e.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.api.ApiObservationSummary;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.run.RunManifest;
import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the pieces connect: event sources, queues and their DLQs, schedules, notifications, dependencies. */
final class WiringChecks {
    static final String SCHEDULE_TIME_ZONE = "Asia/Tokyo";
    /** AWS guidance for SQS event sources: queue visibility timeout at least 6x the function timeout. */
    private static final int SQS_DEFAULT_VISIBILITY = 30;

    private static final int SQS_DEFAULT_RETENTION = 345_600;
    private static final Pattern SUB_TOKEN = Pattern.compile("\\$\\{([^}!][^}]*)}");

    private WiringChecks() {}

    /**
     * Worker pacing: each instance's share of the API is API_CAPACITY_RPS / WORKER_MAX_CONCURRENCY, so both must
     * come from the parameters the operator sets, and the instance count must be the very parameter that caps the
     * event source (else the shares add up to more or less than the API's capacity).
     */
    static List<String> workerPacing(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Map<String, Object> env = t.environment("WorkerFunction");
        if (!Cfn.isRef(env.get("API_CAPACITY_RPS"), "ApiCapacityRps")) {
            v.add("WorkerFunction needs API_CAPACITY_RPS: !Ref ApiCapacityRps, got " + env.get("API_CAPACITY_RPS"));
        }
        if (!Cfn.isRef(env.get("WORKER_MAX_CONCURRENCY"), "WorkerMaximumConcurrency")) {
            v.add("WorkerFunction needs WORKER_MAX_CONCURRENCY: !Ref WorkerMaximumConcurrency, got "
                    + env.get("WORKER_MAX_CONCURRENCY"));
        }
        for (Map<String, Object> e : t.events("WorkerFunction", "SQS").values()) {
            Object max = Cfn.map(e.get("ScalingConfig")).get("MaximumConcurrency");
            if (!Objects.equals(max, env.get("WORKER_MAX_CONCURRENCY"))) {
                v.add("WorkerFunction's WORKER_MAX_CONCURRENCY (" + env.get("WORKER_MAX_CONCURRENCY")
                        + ") must be what caps its SQS event source (" + max + ")");
            }
        }
        return v;
    }

    /** Worker: fed by the job queue with partial batch failures, a capped poller count and a batch size parameter. */
    static List<String> workerEventSource(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        if (!t.hasResource("WorkerFunction")) {
            return List.of("no WorkerFunction");
        }
        Map<String, Map<String, Object>> events = t.events("WorkerFunction", "SQS");
        if (events.size() != 1) {
            return List.of("WorkerFunction needs exactly one SQS event, has " + events.keySet());
        }
        Map<String, Object> e = events.values().iterator().next();
        if (!Cfn.isGetAtt(e.get("Queue"), "JobQueue", "Arn")) {
            v.add("WorkerFunction SQS event must read JobQueue (Queue: !GetAtt JobQueue.Arn), got " + e.get("Queue"));
        }
        if (!Cfn.list(e.get("FunctionResponseTypes")).contains("ReportBatchItemFailures")) {
            v.add("WorkerFunction SQS event lacks FunctionResponseTypes [ReportBatchItemFailures]");
        }
        Object max = Cfn.map(e.get("ScalingConfig")).get("MaximumConcurrency");
        if (!Cfn.isRef(max, "WorkerMaximumConcurrency")) {
            v.add("WorkerFunction SQS event needs ScalingConfig.MaximumConcurrency: !Ref WorkerMaximumConcurrency, got "
                    + max);
        } else {
            Map<String, Object> p = Cfn.map(t.parameters().get("WorkerMaximumConcurrency"));
            if (number(p.get("MinValue")) < 2 || number(p.get("MaxValue")) > 1000 || p.get("MaxValue") == null) {
                v.add("parameter WorkerMaximumConcurrency must be limited to SQS's MaximumConcurrency range 2..1000 "
                        + "(MinValue/MaxValue), got " + p.get("MinValue") + ".." + p.get("MaxValue"));
            }
        }
        if (!Cfn.isRef(e.get("BatchSize"), "WorkerBatchSize")) {
            v.add("WorkerFunction SQS event needs BatchSize: !Ref WorkerBatchSize, got " + e.get("BatchSize"));
        } else {
            Map<String, Object> p = Cfn.map(t.parameters().get("WorkerBatchSize"));
            if (p.get("MaxValue") == null || number(p.get("MaxValue")) > 10_000) {
                v.add("parameter WorkerBatchSize needs MaxValue <= 10000 (SQS event source limit)");
            }
            // Batches above 10 messages need a batching window of at least one second.
            if (number(p.get("MaxValue")) > 10 && minimum(t, e.get("MaximumBatchingWindowInSeconds")) < 1) {
                v.add(
                        "WorkerFunction SQS event allows batches over 10 and so needs MaximumBatchingWindowInSeconds >= 1, got "
                                + e.get("MaximumBatchingWindowInSeconds"));
            }
        }
        return v;
    }

    /** Every queue a function consumes has a DLQ (maxReceiveCount 2..10) that accepts exactly that source. */
    static List<String> redrive(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        if (!t.hasResource("JobQueue") || !t.hasResource("JobDlq")) {
            v.add("the template needs JobQueue and JobDlq");
        }
        for (String queue : consumedQueues(t)) {
            Map<String, Object> props = t.properties(queue);
            Map<String, Object> policy = Cfn.map(props.get("RedrivePolicy"));
            Optional<String> dlq = Cfn.getAttResource(policy.get("deadLetterTargetArn"));
            if (dlq.isEmpty() || !"AWS::SQS::Queue".equals(t.type(dlq.get()))) {
                v.add(queue + ": RedrivePolicy.deadLetterTargetArn must be !GetAtt <dlq>.Arn of a queue here, got "
                        + policy.get("deadLetterTargetArn"));
                continue;
            }
            if (queue.equals("JobQueue") && !dlq.get().equals("JobDlq")) {
                v.add("JobQueue must redrive to JobDlq, not " + dlq.get());
            }
            long receives = number(policy.get("maxReceiveCount"));
            if (receives < 2 || receives > 10) {
                v.add(queue + ": RedrivePolicy.maxReceiveCount should be 2..10 (a few retries, then the DLQ), got "
                        + policy.get("maxReceiveCount"));
            }
            Map<String, Object> dlqProps = t.properties(dlq.get());
            Map<String, Object> allow = Cfn.map(dlqProps.get("RedriveAllowPolicy"));
            String name = Cfn.stringOrSub(props.get("QueueName")).orElse(null);
            boolean namesSource = Cfn.list(allow.get("sourceQueueArns")).stream()
                    .anyMatch(arn -> Cfn.isGetAtt(arn, queue, "Arn")
                            || name != null
                                    && Cfn.stringOrSub(arn)
                                            .filter(s -> s.endsWith(":" + name))
                                            .isPresent());
            if (!"byQueue".equals(allow.get("redrivePermission")) || !namesSource) {
                v.add(dlq.get() + ": RedriveAllowPolicy must be byQueue and list " + queue + " in sourceQueueArns, got "
                        + allow);
            }
            // A message keeps its original enqueue time in the DLQ: a shorter DLQ retention drops it early.
            long sourceRetention = numberOr(props.get("MessageRetentionPeriod"), SQS_DEFAULT_RETENTION);
            long dlqRetention = numberOr(dlqProps.get("MessageRetentionPeriod"), SQS_DEFAULT_RETENTION);
            if (dlqRetention <= sourceRetention) {
                v.add(dlq.get() + ": MessageRetentionPeriod " + dlqRetention + " must exceed " + queue + "'s "
                        + sourceRetention + " (a DLQ keeps the original enqueue time: a message parked late would"
                        + " expire there at once)");
            }
        }
        return v;
    }

    /** Each SQS event source's queue keeps messages invisible for at least 6x the consuming function's timeout. */
    static List<String> visibilityTimeouts(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        for (String function : t.functions()) {
            int timeout = t.functionTimeout(function);
            t.events(function, "SQS").forEach((name, e) -> {
                Optional<String> queue = Cfn.getAttResource(e.get("Queue")).filter(t::hasResource);
                if (queue.isEmpty()) {
                    v.add(function + " SQS event " + name + " must read a queue of this template via !GetAtt, got "
                            + e.get("Queue"));
                    return;
                }
                long visibility = numberOr(t.properties(queue.get()).get("VisibilityTimeout"), SQS_DEFAULT_VISIBILITY);
                if (visibility < (long) StackLayout.VISIBILITY_PER_TIMEOUT * timeout) {
                    v.add(queue.get() + ": VisibilityTimeout " + visibility + " s is below "
                            + StackLayout.VISIBILITY_PER_TIMEOUT + " x " + function + "'s timeout (" + timeout + " s = "
                            + StackLayout.VISIBILITY_PER_TIMEOUT * timeout + " s)");
                }
            });
        }
        return v;
    }

    /** Daily EventBridge Scheduler schedules in the configured time zone, for fan-out and compaction. */
    static List<String> schedules(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Object zoneDefault = Cfn.map(t.parameters().get("ScheduleTimeZone")).get("Default");
        if (!SCHEDULE_TIME_ZONE.equals(zoneDefault)) {
            v.add("parameter ScheduleTimeZone must default to " + SCHEDULE_TIME_ZONE + ", got " + zoneDefault);
        }
        for (String function : List.of("FanoutFunction", "CompactFunction")) {
            if (!t.hasResource(function) || t.events(function, "ScheduleV2").isEmpty()) {
                v.add(function + " needs a ScheduleV2 (EventBridge Scheduler) event");
            }
        }
        ObjectMapper json = new ObjectMapper();
        for (String function : t.functions()) {
            t.events(function, "ScheduleV2").forEach((name, e) -> {
                String where = function + " schedule " + name;
                if (!Cfn.isRef(e.get("ScheduleExpressionTimezone"), "ScheduleTimeZone")) {
                    v.add(where + ": ScheduleExpressionTimezone must be !Ref ScheduleTimeZone, got "
                            + e.get("ScheduleExpressionTimezone"));
                }
                Object expression = e.get("ScheduleExpression");
                String cron = Cfn.ref(expression)
                        .map(p -> String.valueOf(Cfn.map(t.parameters().get(p)).get("Default")))
                        .orElse(String.valueOf(expression));
                if (!isDaily(cron)) {
                    v.add(where + ": ScheduleExpression should be a daily cron(min hour * * ? *), got " + cron);
                }
                if (!Boolean.TRUE.equals(e.get("OmitName"))) {
                    v.add(where + ": set OmitName: true, else the schedule name clashes with another stack's");
                }
                try {
                    JsonNode input = json.readTree(String.valueOf(e.get("Input")));
                    if (!"Scheduled Event".equals(input.path("detail-type").asText())
                            || !"<aws.scheduler.scheduled-time>"
                                    .equals(input.path("time").asText())) {
                        v.add(where + ": Input must look like a scheduled event the handlers recognise: "
                                + "detail-type \"Scheduled Event\" and time \"<aws.scheduler.scheduled-time>\", got "
                                + input);
                    }
                } catch (Exception ex) {
                    v.add(where + ": Input is not JSON: " + e.get("Input"));
                }
            });
        }
        if (t.hasResource("FanoutFunction")) {
            if (!t.events("FanoutFunction", "SQS").isEmpty()) {
                v.add("FanoutFunction must not read the fan-out queue: slice messages go to SliceFunction "
                        + "(SliceHandler, a typed SQS handler)");
            }
            if (!t.hasResource("SliceFunction")) {
                v.add("the template needs SliceFunction (SliceHandler) for the fan-out queue's slice messages");
            }
            for (String function : List.of("FanoutFunction", "SliceFunction")) {
                Map<String, Object> env = t.hasResource(function) ? t.environment(function) : Map.of();
                if (!Cfn.isRef(env.get("JOB_QUEUE_URL"), "JobQueue")
                        || !Cfn.isRef(env.get("FANOUT_QUEUE_URL"), "FanoutQueue")) {
                    v.add(function + ": JOB_QUEUE_URL / FANOUT_QUEUE_URL must be !Ref JobQueue / !Ref FanoutQueue");
                }
            }
        }
        v.addAll(sliceEventSource(t));
        return v;
    }

    /** The slice function reads the fan-out queue one slice at a time, with a poller cap and partial failures. */
    static List<String> sliceEventSource(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        if (!t.hasResource("SliceFunction")) {
            return List.of("no SliceFunction");
        }
        if (!String.valueOf(t.functionProperty("SliceFunction", "Handler"))
                .startsWith("dev.offerrecorder.fanout.SliceHandler::")) {
            v.add("SliceFunction: Handler must be dev.offerrecorder.fanout.SliceHandler::handleRequest, got "
                    + t.functionProperty("SliceFunction", "Handler"));
        }
        if (!Objects.equals(
                t.functionProperty("SliceFunction", "CodeUri"), t.functionProperty("FanoutFunction", "CodeUri"))) {
            v.add("SliceFunction: CodeUri must be the fan-out jar, as FanoutFunction's");
        }
        Map<String, Map<String, Object>> events = t.events("SliceFunction", "SQS");
        boolean ok = events.values().stream()
                .anyMatch(e ->
                        Cfn.isGetAtt(e.get("Queue"), "FanoutQueue", "Arn") && Objects.equals(e.get("BatchSize"), 1));
        if (events.size() != 1 || !ok) {
            v.add("SliceFunction needs exactly one SQS event, on FanoutQueue with BatchSize 1 (one slice per "
                    + "invocation), has " + events.keySet());
        }
        events.forEach((name, e) -> {
            if (!Cfn.list(e.get("FunctionResponseTypes")).contains("ReportBatchItemFailures")) {
                v.add("SliceFunction SQS event " + name + " lacks FunctionResponseTypes [ReportBatchItemFailures]");
            }
            if (Cfn.map(e.get("ScalingConfig")).get("MaximumConcurrency") == null) {
                v.add("SliceFunction SQS event " + name + " needs ScalingConfig.MaximumConcurrency (a 2,000-slice run "
                        + "must not start hundreds of invocations)");
            }
        });
        return v;
    }

    /** Every SQS event source of every function reports batch item failures (no handler deletes a failed message). */
    static List<String> everySqsEventReportsItemFailures(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        for (String function : t.functions()) {
            t.events(function, "SQS").forEach((name, e) -> {
                if (!Cfn.list(e.get("FunctionResponseTypes")).contains("ReportBatchItemFailures")) {
                    v.add(function + " SQS event " + name + " lacks FunctionResponseTypes [ReportBatchItemFailures]");
                }
            });
        }
        return v;
    }

    private static boolean isDaily(String expression) {
        Matcher m = Pattern.compile("cron\\((\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+)\\)")
                .matcher(expression.trim());
        return m.matches()
                && m.group(1).matches("\\d+")
                && m.group(2).matches("\\d+")
                && Set.of("*", "?").contains(m.group(3))
                && m.group(4).equals("*")
                && Set.of("*", "?").contains(m.group(5));
    }

    /** Raw-log objects notify the transform queue (prefix and suffix as the worker writes keys), policy first. */
    static List<String> rawNotifications(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        if (!t.hasResource("RawBucket") || !t.hasResource("TransformQueue") || !t.hasResource("TransformFunction")) {
            return List.of("the template needs RawBucket, TransformQueue and TransformFunction");
        }
        List<Object> configs = Cfn.list(Cfn.map(t.properties("RawBucket").get("NotificationConfiguration"))
                .get("QueueConfigurations"));
        boolean wired = configs.stream().map(Cfn::map).anyMatch(c -> {
            Map<String, String> rules = new HashMap<>();
            Cfn.list(Cfn.map(Cfn.map(c.get("Filter")).get("S3Key")).get("Rules")).stream()
                    .map(Cfn::map)
                    .forEach(r ->
                            rules.put(String.valueOf(r.get("Name")).toLowerCase(), String.valueOf(r.get("Value"))));
            return Cfn.isGetAtt(c.get("Queue"), "TransformQueue", "Arn")
                    && "s3:ObjectCreated:*".equals(c.get("Event"))
                    && RawLogKeys.PREFIX.equals(rules.get("prefix"))
                    && RawLogKeys.SUFFIX.equals(rules.get("suffix"));
        });
        if (!wired) {
            v.add("RawBucket needs a QueueConfiguration: s3:ObjectCreated:* -> !GetAtt TransformQueue.Arn with prefix "
                    + RawLogKeys.PREFIX + " and suffix " + RawLogKeys.SUFFIX + " (RawLogKeys), got " + configs);
        }
        List<String> policies = t.idsOfType("AWS::SQS::QueuePolicy").stream()
                .filter(p ->
                        Cfn.list(t.properties(p).get("Queues")).stream().anyMatch(q -> Cfn.isRef(q, "TransformQueue")))
                .toList();
        if (policies.isEmpty()) {
            v.add("TransformQueue needs an AWS::SQS::QueuePolicy letting S3 send");
        }
        List<Object> dependsOn = Cfn.list(t.attribute("RawBucket", "DependsOn"));
        if (policies.stream().noneMatch(dependsOn::contains)) {
            v.add(
                    "RawBucket must DependsOn the TransformQueue policy (S3 validates the destination when it is configured)");
        }
        String bucketArn = "arn:${AWS::Partition}:s3:::"
                + Cfn.stringOrSub(t.properties("RawBucket").get("BucketName")).orElse("?");
        boolean allowsS3 = policies.stream()
                .flatMap(p -> statements(t.properties(p).get("PolicyDocument")).stream())
                .anyMatch(s -> {
                    Map<String, Object> condition = Cfn.map(s.get("Condition"));
                    Object sourceArn = firstNonNull(
                            Cfn.map(condition.get("ArnEquals")).get("aws:SourceArn"),
                            Cfn.map(condition.get("ArnLike")).get("aws:SourceArn"));
                    Object account = Cfn.map(condition.get("StringEquals")).get("aws:SourceAccount");
                    return "Allow".equals(s.get("Effect"))
                            && "s3.amazonaws.com"
                                    .equals(Cfn.map(s.get("Principal")).get("Service"))
                            && Cfn.list(s.get("Action")).contains("sqs:SendMessage")
                            && Cfn.isGetAtt(s.get("Resource"), "TransformQueue", "Arn")
                            && Cfn.stringOrSub(sourceArn)
                                    .filter(bucketArn::equals)
                                    .isPresent()
                            && Cfn.isRef(account, "AWS::AccountId");
                });
        if (!allowsS3) {
            v.add("TransformQueue policy must allow s3.amazonaws.com sqs:SendMessage on the queue with aws:SourceArn "
                    + bucketArn + " and aws:SourceAccount !Ref AWS::AccountId");
        }
        boolean consumes = t.events("TransformFunction", "SQS").values().stream()
                .anyMatch(e -> Cfn.isGetAtt(e.get("Queue"), "TransformQueue", "Arn"));
        if (!consumes) {
            v.add("TransformFunction needs an SQS event on TransformQueue");
        }
        if (t.hasResource("WorkerFunction")
                && !Cfn.isRef(t.environment("WorkerFunction").get("RAW_BUCKET"), "RawBucket")) {
            v.add("WorkerFunction: RAW_BUCKET must be !Ref RawBucket, the bucket that notifies the transform");
        }
        return v;
    }

    /**
     * Functions allowed to run without SnapStart, with the reason. Such a function must really need what SnapStart
     * excludes (here: more than 512 MB of ephemeral storage), else the exemption is stale.
     */
    static final Map<String, String> SNAPSTART_EXEMPT = Map.of(
            "CompactFunction", "keeps a partition's files twice in /tmp; runs once a day, so a snapshot saves nothing");

    /**
     * The S3 permissions cover exactly the keys the code uses: raw logs (RawLogKeys), the table and quarantine
     * prefixes (TransformService), run plans (RunManifest, written by the fan-out), the workers' API observations
     * (ApiObservationSummary), so a renamed prefix cannot
     * silently turn into AccessDenied in production.
     */
    static List<String> keyPrefixes(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        String raw = "arn:${AWS::Partition}:s3:::"
                + Cfn.stringOrSub(t.properties("RawBucket").get("BucketName")).orElse("?");
        String platform = "arn:${AWS::Partition}:s3:::"
                + Cfn.stringOrSub(t.properties("PlatformBucket").get("BucketName"))
                        .orElse("?");
        String table = TableKeys.TABLE_PREFIX;
        requireAllowed(t, v, "WorkerRole", "s3:PutObject", raw + "/" + RawLogKeys.PREFIX + "*");
        // What the workers saw of the API (ApiObservationSummary), outside raw/ so the transform never sees it.
        requireAllowed(t, v, "WorkerRole", "s3:PutObject", raw + "/" + ApiObservationSummary.PREFIX + "*");
        if (ApiObservationSummary.PREFIX.startsWith(RawLogKeys.PREFIX)) {
            v.add("API observations must stay outside " + RawLogKeys.PREFIX + ", which notifies the transform");
        }
        String plans = raw + "/" + RunManifest.PREFIX + "*";
        requireAllowed(t, v, "FanoutRole", "s3:PutObject", plans);
        // The fan-out writes run plans and nothing else: no other key of the bucket, and not its raw logs.
        SecurityChecks.identityStatements(t).stream()
                .filter(s -> s.owner().equals("FanoutRole") && s.actions().contains("s3:PutObject"))
                .flatMap(s -> s.resources().stream())
                .filter(r -> Cfn.stringOrSub(r).filter(plans::equals).isEmpty())
                .forEach(r -> v.add("FanoutRole may put only " + plans + ", not " + r));
        requireAllowed(t, v, "TransformRole", "s3:GetObject", raw + "/" + RawLogKeys.PREFIX + "*");
        requireAllowed(t, v, "TransformRole", "s3:PutObject", platform + "/" + table + "*");
        requireAllowed(t, v, "TransformRole", "s3:PutObject", platform + "/" + TableKeys.QUARANTINE_PREFIX + "*");
        for (String action : List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject")) {
            requireAllowed(t, v, "CompactRole", action, platform + "/" + table + "*");
        }
        String markers = TableKeys.COMPACTION_PENDING_PREFIX;
        requireAllowed(t, v, "TransformRole", "s3:PutObject", platform + "/" + markers + "*");
        requireAllowed(t, v, "CompactRole", "s3:DeleteObject", platform + "/" + markers + "*");
        boolean lists = SecurityChecks.identityStatements(t).stream()
                .anyMatch(s -> s.owner().equals("CompactRole")
                        && s.actions().contains("s3:ListBucket")
                        && s.resources().stream().anyMatch(r -> Cfn.stringOrSub(r)
                                .filter(platform::equals)
                                .isPresent())
                        && List.of(table + "*", TableKeys.COMPACTION_PENDING_PREFIX + "*")
                                .equals(Cfn.map(Cfn.map(s.raw().get("Condition"))
                                                .get("StringLike"))
                                        .get("s3:prefix")));
        if (!lists) {
            v.add("CompactRole must allow s3:ListBucket on " + platform + " limited to s3:prefix [" + table + "*, "
                    + TableKeys.COMPACTION_PENDING_PREFIX + "*]");
        }
        return v;
    }

    private static void requireAllowed(CfnTemplate t, List<String> v, String role, String action, String resource) {
        boolean allowed = SecurityChecks.identityStatements(t).stream()
                .anyMatch(s -> s.owner().equals(role)
                        && "Allow".equals(s.effect())
                        && s.actions().contains(action)
                        && s.resources().stream().anyMatch(r -> Cfn.stringOrSub(r)
                                .filter(resource::equals)
                                .isPresent()));
        if (!allowed) {
            v.add(role + " must allow " + action + " on " + resource);
        }
    }

    /** SnapStart on published versions behind an alias, within SnapStart's limits. */
    static List<String> snapStart(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Object globalApplyOn = Cfn.map(t.globalFunction().get("SnapStart")).get("ApplyOn");
        if (!"PublishedVersions".equals(globalApplyOn)) {
            v.add("Globals.Function.SnapStart.ApplyOn must be PublishedVersions, got " + globalApplyOn);
        }
        for (String function : t.functions()) {
            Map<String, Object> snapStart =
                    new LinkedHashMap<>(Cfn.map(t.globalFunction().get("SnapStart")));
            snapStart.putAll(Cfn.map(t.properties(function).get("SnapStart"))); // SAM merges maps key by key
            boolean on = "PublishedVersions".equals(snapStart.get("ApplyOn"));
            long storage = numberOr(
                    Cfn.map(t.functionProperty(function, "EphemeralStorage")).get("Size"), 512);
            if (!on && !SNAPSTART_EXEMPT.containsKey(function)) {
                v.add(function + ": SnapStart.ApplyOn must be PublishedVersions, got " + snapStart.get("ApplyOn"));
            }
            if (!on && SNAPSTART_EXEMPT.containsKey(function) && storage <= 512) {
                v.add(function + ": exempt from SnapStart for more ephemeral storage, but has only " + storage + " MB");
            }
            if (on && storage > 512) {
                v.add(function + ": SnapStart does not support ephemeral storage above 512 MB, got " + storage);
            }
            Object alias = t.functionProperty(function, "AutoPublishAlias");
            if (!(alias instanceof String s) || s.isBlank()) {
                v.add(function
                        + ": needs AutoPublishAlias so that SnapStart versions exist and events target the alias");
            }
            if (!"java21".equals(t.functionProperty(function, "Runtime"))) {
                v.add(function + ": Runtime must be java21, got " + t.functionProperty(function, "Runtime"));
            }
            if (on && t.functionProperty(function, "ProvisionedConcurrencyConfig") != null) {
                v.add(function + ": SnapStart and provisioned concurrency exclude each other");
            }
        }
        return v;
    }

    /** JSON logs into a log group the stack owns (retention) and the function's role may write to. */
    static List<String> logging(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Object globalFormat = Cfn.map(t.globalFunction().get("LoggingConfig")).get("LogFormat");
        for (String function : t.functions()) {
            Map<String, Object> local = Cfn.map(t.properties(function).get("LoggingConfig"));
            Object format = local.containsKey("LogFormat") ? local.get("LogFormat") : globalFormat;
            if (!"JSON".equals(format)) {
                v.add(function + ": LoggingConfig.LogFormat must be JSON, got " + format);
            }
            Optional<String> group = Cfn.ref(local.get("LogGroup")).filter(t::hasResource);
            if (group.isEmpty() || !"AWS::Logs::LogGroup".equals(t.type(group.get()))) {
                v.add(function + ": LoggingConfig.LogGroup must be !Ref of an AWS::Logs::LogGroup in this template");
                continue;
            }
            if (t.properties(group.get()).get("RetentionInDays") == null) {
                v.add(group.get() + ": needs RetentionInDays");
            }
            Optional<String> role = t.roleOf(function);
            boolean canWrite = role.isPresent()
                    && SecurityChecks.identityStatements(t).stream()
                            .filter(s -> s.owner().equals(role.get()))
                            .anyMatch(s -> s.actions().contains("logs:PutLogEvents")
                                    && s.resources().stream().anyMatch(r -> Cfn.isGetAtt(r, group.get(), "Arn")));
            if (!canWrite) {
                v.add(function + ": its role must allow logs:PutLogEvents on !GetAtt " + group.get() + ".Arn");
            }
        }
        return v;
    }

    /** The outputs the recorder CLI reads, each naming the right resource. */
    static List<String> outputs(CfnTemplate t) {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("JobQueueUrl", "JobQueue");
        expected.put("JobDlqUrl", "JobDlq");
        expected.put("FanoutQueueUrl", "FanoutQueue");
        expected.put("TransformQueueUrl", "TransformQueue");
        expected.put("RawBucketName", "RawBucket");
        expected.put("PlatformBucketName", "PlatformBucket");
        expected.put("FanoutFunctionName", "FanoutFunction");
        expected.put("SliceFunctionName", "SliceFunction");
        expected.put("WorkerFunctionName", "WorkerFunction");
        expected.put("TransformFunctionName", "TransformFunction");
        expected.put("CompactFunctionName", "CompactFunction");
        expected.put("ReplayFunctionName", "ReplayFunction");
        List<String> v = new ArrayList<>();
        Map<String, Object> outputs = t.section("Outputs");
        expected.forEach((output, resource) -> {
            Object value = Cfn.map(outputs.get(output)).get("Value");
            if (!Cfn.isRef(value, resource)) {
                v.add("output " + output + " must be !Ref " + resource + ", got " + value);
            }
        });
        return v;
    }

    /**
     * Names built with !Sub (to avoid reference cycles) must match what the resource declares: an s3:::NAME or
     * s3://NAME naming this stack's bucket, or an ...:sqs:REGION:ACCOUNT:NAME naming its queue.
     */
    static List<String> constructedNames(CfnTemplate t) {
        Set<String> buckets = new TreeSet<>();
        t.idsOfType("AWS::S3::Bucket")
                .forEach(b -> Cfn.stringOrSub(t.properties(b).get("BucketName")).ifPresent(buckets::add));
        Set<String> queues = new TreeSet<>();
        t.idsOfType("AWS::SQS::Queue")
                .forEach(q -> Cfn.stringOrSub(t.properties(q).get("QueueName")).ifPresent(queues::add));
        List<String> v = new ArrayList<>();
        Pattern s3 = Pattern.compile("(?:s3:::|s3://)([^/\"]+)");
        Pattern sqs = Pattern.compile(":sqs:\\$\\{AWS::Region}:\\$\\{AWS::AccountId}:([^/\"]+)$");
        for (String id : t.resources().keySet()) {
            for (String text : strings(t.resources().get(id))) {
                Matcher m = s3.matcher(text);
                while (m.find()) {
                    if (m.group(1).contains("${AWS::StackName}") && !buckets.contains(m.group(1))) {
                        v.add(id + ": '" + text + "' names bucket " + m.group(1) + ", but the buckets are " + buckets);
                    }
                }
                Matcher q = sqs.matcher(text);
                if (q.find() && !queues.contains(q.group(1))) {
                    v.add(id + ": '" + text + "' names queue " + q.group(1) + ", but the queues are " + queues);
                }
            }
        }
        return v;
    }

    /** Every literal string and Sub template inside a value. */
    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof String s) {
            out.add(s);
        } else if (value instanceof Map<?, ?> m) {
            m.values().forEach(x -> out.addAll(strings(x)));
        } else if (value instanceof List<?> l) {
            l.forEach(x -> out.addAll(strings(x)));
        }
        return out;
    }

    /** Resource -> resources it references (Ref, GetAtt, ${...} in Sub, DependsOn). */
    static Map<String, Set<String>> dependencies(CfnTemplate t) {
        Set<String> ids = t.resources().keySet();
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String id : ids) {
            Set<String> deps = new TreeSet<>();
            Map<String, Object> resource = Cfn.map(t.resources().get(id));
            Cfn.list(resource.get("DependsOn")).forEach(d -> deps.add(String.valueOf(d)));
            collect(resource.get("Properties"), ids, deps);
            collect(resource.get("Metadata"), ids, deps);
            deps.retainAll(ids);
            graph.put(id, deps);
        }
        return graph;
    }

    private static void collect(Object node, Set<String> ids, Set<String> out) {
        if (node instanceof List<?> l) {
            l.forEach(x -> collect(x, ids, out));
            return;
        }
        if (!(node instanceof Map<?, ?> m)) {
            return;
        }
        Optional<String> ref = Cfn.ref(node);
        if (ref.isPresent()) {
            out.add(base(ref.get())); // SAM allows !Ref Function.Alias / Function.Version
            return;
        }
        Optional<String> getAtt = Cfn.getAttResource(node);
        if (getAtt.isPresent()) {
            out.add(getAtt.get());
            return;
        }
        Optional<Object> sub = Cfn.intrinsic(node, "Fn::Sub");
        if (sub.isPresent()) {
            List<Object> args = Cfn.list(sub.get());
            Map<String, Object> variables = args.size() > 1 ? Cfn.map(args.get(1)) : Map.of();
            Matcher matcher = SUB_TOKEN.matcher(String.valueOf(args.get(0)));
            while (matcher.find()) {
                String name = base(matcher.group(1));
                if (!variables.containsKey(matcher.group(1)) && ids.contains(name)) {
                    out.add(name);
                }
            }
            variables.values().forEach(x -> collect(x, ids, out));
            return;
        }
        m.values().forEach(x -> collect(x, ids, out));
    }

    private static String base(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** 3. No circular dependency between resources: CloudFormation would refuse the template. */
    static List<String> dependencyCycles(CfnTemplate t) {
        Map<String, Set<String>> graph = dependencies(t);
        List<String> cycles = new ArrayList<>();
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = finished
        for (String start : graph.keySet()) {
            if (state.containsKey(start)) {
                continue;
            }
            // Iterative DFS keeping the path, so a cycle is reported with its members.
            Deque<String> path = new ArrayDeque<>();
            Deque<java.util.Iterator<String>> next = new ArrayDeque<>();
            path.push(start);
            next.push(graph.get(start).iterator());
            state.put(start, 1);
            while (!path.isEmpty()) {
                java.util.Iterator<String> it = next.peek();
                if (it.hasNext()) {
                    String dep = it.next();
                    Integer s = state.get(dep);
                    if (s == null) {
                        state.put(dep, 1);
                        path.push(dep);
                        next.push(graph.getOrDefault(dep, Set.of()).iterator());
                    } else if (s == 1) {
                        List<String> members = new ArrayList<>(path);
                        java.util.Collections.reverse(members);
                        List<String> cycle = new ArrayList<>(members.subList(members.indexOf(dep), members.size()));
                        cycle.add(dep);
                        cycles.add("circular dependency: " + String.join(" -> ", cycle));
                    }
                } else {
                    state.put(path.pop(), 2);
                    next.pop();
                }
            }
        }
        return new ArrayList<>(new LinkedHashSet<>(cycles));
    }

    /** Queues that some function reads through an SQS event. */
    static Set<String> consumedQueues(CfnTemplate t) {
        Set<String> queues = new TreeSet<>();
        for (String function : t.functions()) {
            t.events(function, "SQS").values().forEach(e -> Cfn.getAttResource(e.get("Queue"))
                    .filter(t::hasResource)
                    .ifPresent(queues::add));
        }
        return queues;
    }

    static List<Map<String, Object>> statements(Object policyDocument) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object s : Cfn.list(Cfn.map(policyDocument).get("Statement"))) {
            Cfn.alternatives(s).forEach(a -> out.add(Cfn.map(a)));
        }
        return out;
    }

    private static Object firstNonNull(Object a, Object b) {
        return a != null ? a : b;
    }

    static long number(Object value) {
        return numberOr(value, 0);
    }

    static long numberOr(Object value, long fallback) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String s && s.matches("-?\\d+")) {
            return Long.parseLong(s);
        }
        return fallback;
    }

    /** The smallest value a property can take: a literal, or the MinValue of the parameter it references. */
    private static long minimum(CfnTemplate t, Object value) {
        Optional<String> ref = Cfn.ref(value);
        if (ref.isPresent()) {
            return numberOr(Cfn.map(t.parameters().get(ref.get())).get("MinValue"), 0);
        }
        return numberOr(value, 0);
    }
}
