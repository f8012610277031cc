package dev.offerrecorder.e2e.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Failures reach a person: the fan-out's asynchronous invocations are retried and end in an OnFailure queue, and
 * CloudWatch alarms on the fan-out's errors, that queue, every DLQ and the worker's credential refusals act through
 * an encrypted SNS topic.
 */
final class AlarmChecks {
    private AlarmChecks() {}

    /** FanoutFunction: async retries, a bounded event age, and an OnFailure SQS destination the role may send to. */
    static List<String> fanoutAsyncInvoke(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Map<String, Object> config = Cfn.map(t.properties("FanoutFunction").get("EventInvokeConfig"));
        Object retries = config.get("MaximumRetryAttempts");
        if (!(retries instanceof Number n) || n.intValue() < 1 || n.intValue() > 2) {
            v.add("FanoutFunction: EventInvokeConfig.MaximumRetryAttempts must be 1..2 (a failed daily run is "
                    + "retried), got " + retries);
        }
        Object age = config.get("MaximumEventAgeInSeconds");
        if (!(age instanceof Number a) || a.intValue() < 60 || a.intValue() > 21600) {
            v.add("FanoutFunction: EventInvokeConfig.MaximumEventAgeInSeconds must be set (60..21600), got " + age);
        }
        Map<String, Object> onFailure =
                Cfn.map(Cfn.map(config.get("DestinationConfig")).get("OnFailure"));
        Optional<String> queue = Cfn.getAttResource(onFailure.get("Destination"));
        if (!"SQS".equals(onFailure.get("Type")) || queue.isEmpty() || !"AWS::SQS::Queue".equals(t.type(queue.get()))) {
            v.add("FanoutFunction: EventInvokeConfig.DestinationConfig.OnFailure must be Type SQS with Destination "
                    + "!GetAtt <queue>.Arn of a queue here, got " + onFailure);
            return v;
        }
        String role = t.roleOf("FanoutFunction").orElse("?");
        boolean maySend = SecurityChecks.identityStatements(t).stream()
                .filter(s -> s.owner().equals(role) && "Allow".equals(s.effect()))
                .anyMatch(s -> s.actions().contains("sqs:SendMessage")
                        && s.resources().stream().anyMatch(r -> Cfn.isGetAtt(r, queue.get(), "Arn")));
        if (!maySend) {
            v.add(role + " must allow sqs:SendMessage on !GetAtt " + queue.get()
                    + ".Arn: Lambda sends the OnFailure record with the function's role");
        }
        if (!hasQueueAlarm(t, queue.get())) {
            v.add(queue.get()
                    + " (fan-out OnFailure destination) needs an alarm on ApproximateNumberOfMessagesVisible > 0");
        }
        return v;
    }

    /** Every DLQ (a deadLetterTargetArn of some queue) has an alarm on visible messages. */
    static List<String> deadLetterQueueAlarms(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Set<String> dlqs = new TreeSet<>();
        for (String queue : t.idsOfType("AWS::SQS::Queue")) {
            Cfn.getAttResource(Cfn.map(t.properties(queue).get("RedrivePolicy")).get("deadLetterTargetArn"))
                    .ifPresent(dlqs::add);
        }
        if (!dlqs.containsAll(Set.of("JobDlq", "FanoutDlq", "TransformDlq"))) {
            v.add("expected the job, fan-out and transform DLQs, found " + dlqs);
        }
        for (String dlq : dlqs) {
            if (!hasQueueAlarm(t, dlq)) {
                v.add(dlq + " needs an AWS::CloudWatch::Alarm on AWS/SQS ApproximateNumberOfMessagesVisible > 0 "
                        + "(QueueName !GetAtt " + dlq + ".QueueName) acting on the alarm topic");
            }
        }
        return v;
    }

    /** The fan-out function's Errors metric has an alarm. */
    static List<String> fanoutErrorAlarm(CfnTemplate t) {
        boolean found = t.idsOfType("AWS::CloudWatch::Alarm").stream().anyMatch(a -> {
            Map<String, Object> p = t.properties(a);
            return "AWS/Lambda".equals(p.get("Namespace"))
                    && "Errors".equals(p.get("MetricName"))
                    && dimension(p, "FunctionName")
                            .map(d -> Cfn.isRef(d, "FanoutFunction"))
                            .orElse(false)
                    && firesAboveZero(p)
                    && actsOnEncryptedTopic(t, p);
        });
        return found
                ? List.of()
                : List.of("FanoutFunction needs an alarm on AWS/Lambda Errors (FunctionName !Ref FanoutFunction) > 0");
    }

    /**
     * A metric filter on the worker's log group counts the lines whose top-level {@code event} is {@code event} (the
     * worker's JSON log: one line per batch the API refused the credential for), and an alarm on that metric fires
     * above zero on the encrypted alarm topic.
     */
    static List<String> workerAuthFailureAlarm(CfnTemplate t, String event) {
        String pattern = "{ $.event = \"" + event + "\" }";
        List<String> v = new ArrayList<>();
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (String filter : t.idsOfType("AWS::Logs::MetricFilter")) {
            Map<String, Object> p = t.properties(filter);
            Object filterPattern = p.get("FilterPattern");
            if (Cfn.isRef(p.get("LogGroupName"), "WorkerLogGroup")
                    && filterPattern instanceof String fp
                    && fp.replaceAll("\\s+", " ").trim().equals(pattern)) {
                for (Object m : Cfn.list(p.get("MetricTransformations"))) {
                    Map<String, Object> metric = Cfn.map(m);
                    if ("1".equals(String.valueOf(metric.get("MetricValue")))) {
                        metrics.add(metric);
                    }
                }
            }
        }
        if (metrics.isEmpty()) {
            v.add("the template needs an AWS::Logs::MetricFilter on !Ref WorkerLogGroup with FilterPattern '" + pattern
                    + "' and MetricValue \"1\"");
            return v;
        }
        boolean alarmed = t.idsOfType("AWS::CloudWatch::Alarm").stream().anyMatch(a -> {
            Map<String, Object> p = t.properties(a);
            return metrics.stream()
                            .anyMatch(m -> m.get("MetricNamespace") != null
                                    && m.get("MetricNamespace").equals(p.get("Namespace"))
                                    && m.get("MetricName") != null
                                    && m.get("MetricName").equals(p.get("MetricName")))
                    && "Sum".equals(p.get("Statistic"))
                    && "notBreaching".equals(p.get("TreatMissingData"))
                    && firesAboveZero(p)
                    && actsOnEncryptedTopic(t, p);
        });
        if (!alarmed) {
            v.add("the worker's auth-failure metric " + metrics + " needs an alarm: same Namespace and MetricName, "
                    + "Statistic Sum, > 0, TreatMissingData notBreaching, AlarmActions on the alarm topic");
        }
        return v;
    }

    /** The alarm topic is encrypted with a key CloudWatch may use; the email subscription is optional. */
    static List<String> alarmTopic(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        for (String topic : t.idsOfType("AWS::SNS::Topic")) {
            Object key = t.properties(topic).get("KmsMasterKeyId");
            if (key == null) {
                v.add(topic + ": needs KmsMasterKeyId");
            } else if ("alias/aws/sns".equals(key)) {
                v.add(topic + ": CloudWatch alarms cannot publish to a topic under the AWS managed key alias/aws/sns;"
                        + " use a key whose policy allows cloudwatch.amazonaws.com");
            }
        }
        if (t.idsOfType("AWS::SNS::Topic").isEmpty()) {
            v.add("the template needs an SNS topic for alarm actions");
        }
        for (String sub : t.idsOfType("AWS::SNS::Subscription")) {
            Map<String, Object> spec = t.resources().get(sub) instanceof Map<?, ?> m ? Cfn.map(m) : Map.of();
            if ("email".equals(t.properties(sub).get("Protocol")) && spec.get("Condition") == null) {
                v.add(sub + ": an email subscription must depend on a condition (the address is optional)");
            }
        }
        return v;
    }

    private static boolean hasQueueAlarm(CfnTemplate t, String queue) {
        return t.idsOfType("AWS::CloudWatch::Alarm").stream().anyMatch(a -> {
            Map<String, Object> p = t.properties(a);
            return "AWS/SQS".equals(p.get("Namespace"))
                    && "ApproximateNumberOfMessagesVisible".equals(p.get("MetricName"))
                    && dimension(p, "QueueName")
                            .map(d -> Cfn.isGetAtt(d, queue, "QueueName"))
                            .orElse(false)
                    && firesAboveZero(p)
                    && actsOnEncryptedTopic(t, p);
        });
    }

    private static Optional<Object> dimension(Map<String, Object> alarm, String name) {
        return Cfn.list(alarm.get("Dimensions")).stream()
                .map(Cfn::map)
                .filter(d -> name.equals(d.get("Name")))
                .map(d -> d.get("Value"))
                .findFirst();
    }

    private static boolean firesAboveZero(Map<String, Object> alarm) {
        Object threshold = alarm.get("Threshold");
        return threshold instanceof Number n
                && ("GreaterThanThreshold".equals(alarm.get("ComparisonOperator")) && n.doubleValue() == 0
                        || "GreaterThanOrEqualToThreshold".equals(alarm.get("ComparisonOperator"))
                                && n.doubleValue() == 1);
    }

    private static boolean actsOnEncryptedTopic(CfnTemplate t, Map<String, Object> alarm) {
        return Cfn.list(alarm.get("AlarmActions")).stream()
                .map(Cfn::ref)
                .flatMap(Optional::stream)
                .anyMatch(topic -> "AWS::SNS::Topic".equals(t.type(topic))
                        && t.properties(topic).get("KmsMasterKeyId") != null);
    }
}
