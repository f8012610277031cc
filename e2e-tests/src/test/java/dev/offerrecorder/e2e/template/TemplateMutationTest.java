package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.offerrecorder.worker.WorkerService;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The checks can fail: each case loosens a copy of template.yaml the way a careless edit would and expects the
 * check it targets, which passes on the real template, to report the mutated copy. A mutation whose anchor text
 * is gone fails loudly instead of passing vacuously.
 */
class TemplateMutationTest {
    private static final String TEXT = CfnTemplate.text();
    private static final CfnTemplate REAL = CfnTemplate.parse(TEXT, CfnTemplate.repoRoot());

    private record Mutation(
            String name,
            UnaryOperator<String> edit,
            Function<CfnTemplate, List<String>> check,
            String expectedInViolation) {}

    private static final String RAW_OBJECTS =
            "Resource: !Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-raw-${AWS::AccountId}-${AWS::Region}/raw/*\"";

    private static List<Mutation> mutations() {
        return List.of(
                new Mutation(
                        "worker may write raw logs anywhere (Resource \"*\")",
                        t -> replaceFirstAfter(t, "Sid: WriteRawLogs", RAW_OBJECTS, "Resource: \"*\""),
                        SecurityChecks::iamScope,
                        "WorkerRole"),
                new Mutation(
                        "worker may use all of S3 (Action s3:*)",
                        t -> replaceFirstAfter(t, "Sid: WriteRawLogs", "Action: s3:PutObject", "Action: \"s3:*\""),
                        SecurityChecks::iamScope,
                        "s3:*"),
                new Mutation(
                        "API token secret readable by wildcard",
                        t -> replaceFirstAfter(
                                t, "Sid: ReadApiTokenSecret", "Resource: !Ref ApiTokenSecretArn", "Resource: \"*\""),
                        SecurityChecks::iamScope,
                        "secretsmanager:GetSecretValue"),
                new Mutation(
                        "SAM policy template instead of statements",
                        t -> replaceFirstAfter(
                                t,
                                "\n  WorkerFunction:\n",
                                "Role: !GetAtt WorkerRole.Arn",
                                "Policies:\n        - S3CrudPolicy:\n            BucketName: !Ref RawBucket"),
                        SecurityChecks::iamScope,
                        "SAM policy template"),
                new Mutation(
                        "job queue unencrypted (SqsManagedSseEnabled removed)",
                        t -> replaceFirstAfter(t, "\n  JobQueue:\n", "      SqsManagedSseEnabled: true\n", ""),
                        SecurityChecks::queues,
                        "JobQueue"),
                new Mutation(
                        "raw bucket's TLS-only statement removed",
                        t -> replaceSpanAfter(
                                t,
                                "\n  RawBucketPolicy:\n",
                                "Statement:\n",
                                "aws:SecureTransport: \"false\"\n",
                                "Statement: []\n"),
                        SecurityChecks::buckets,
                        "aws:SecureTransport"),
                new Mutation(
                        "raw bucket policy allows instead of denying plain HTTP",
                        t -> replaceFirstAfter(t, "\n  RawBucketPolicy:\n", "Effect: Deny", "Effect: Allow"),
                        SecurityChecks::buckets,
                        "RawBucket"),
                new Mutation(
                        "platform bucket accepts plain HTTP (SecureTransport condition inverted)",
                        t -> replaceFirstAfter(
                                t,
                                "\n  PlatformBucketPolicy:\n",
                                "aws:SecureTransport: \"false\"",
                                "aws:SecureTransport: \"true\""),
                        SecurityChecks::buckets,
                        "PlatformBucket"),
                new Mutation(
                        "raw bucket may become public",
                        t -> replaceFirstAfter(
                                t, "\n  RawBucket:\n", "RestrictPublicBuckets: true", "RestrictPublicBuckets: false"),
                        SecurityChecks::buckets,
                        "RestrictPublicBuckets"),
                new Mutation(
                        "platform bucket without default encryption",
                        t -> replaceFirstAfter(t, "\n  PlatformBucket:\n", "BucketEncryption:", "XBucketEncryption:"),
                        SecurityChecks::buckets,
                        "BucketEncryption"),
                new Mutation(
                        "platform bucket versioning suspended",
                        t -> replaceFirstAfter(t, "VersioningConfiguration:", "Status: Enabled", "Status: Suspended"),
                        SecurityChecks::buckets,
                        "Versioning"),
                new Mutation(
                        "raw bucket without lifecycle",
                        t -> replaceFirstAfter(
                                t, "\n  RawBucket:\n", "LifecycleConfiguration:", "XLifecycleConfiguration:"),
                        SecurityChecks::buckets,
                        "lifecycle"),
                new Mutation(
                        "API token as a plain parameter with a default",
                        t -> replaceFirstAfter(
                                t,
                                "\nParameters:\n",
                                "  CalcApiUrlTemplate:",
                                "  CalcApiToken:\n    Type: String\n    Default: s3cr3t\n  CalcApiUrlTemplate:"),
                        SecurityChecks::secrets,
                        "CalcApiToken"),
                new Mutation(
                        "API token in the worker's environment",
                        t -> replaceFirstAfter(
                                t,
                                "\n  WorkerFunction:\n",
                                "CALC_API_URL_TEMPLATE: !Ref CalcApiUrlTemplate",
                                "CALC_API_URL_TEMPLATE: !Ref CalcApiUrlTemplate\n          CALC_API_TOKEN: abc123"),
                        SecurityChecks::secrets,
                        "CALC_API_TOKEN"),
                new Mutation(
                        "New Relic on by default",
                        t -> replaceFirstAfter(t, "\n  NewRelicAccountId:\n", "Default: \"\"", "Default: \"1234567\""),
                        SecurityChecks::newRelic,
                        "default parameters"),
                new Mutation(
                        "queue policy names the raw bucket by !GetAtt (cycle)",
                        t -> replaceFirstAfter(
                                t,
                                "aws:SourceArn:",
                                "!Sub \"arn:${AWS::Partition}:s3:::${AWS::StackName}-raw-${AWS::AccountId}-${AWS::Region}\"",
                                "!GetAtt RawBucket.Arn"),
                        WiringChecks::dependencyCycles,
                        "RawBucket"),
                new Mutation(
                        "worker without partial batch failures",
                        t -> replaceFirstAfter(
                                t,
                                "\n  WorkerFunction:\n",
                                "            FunctionResponseTypes: [ReportBatchItemFailures]\n",
                                ""),
                        WiringChecks::workerEventSource,
                        "ReportBatchItemFailures"),
                new Mutation(
                        "transform handler's failures ignored (ReportBatchItemFailures removed)",
                        t -> replaceFirstAfter(
                                t,
                                "\n  TransformFunction:\n",
                                "            FunctionResponseTypes: [ReportBatchItemFailures]\n",
                                ""),
                        CodeChecks::partialBatchResponses,
                        "TransformFunction"),
                new Mutation(
                        "slice handler's failures ignored (ReportBatchItemFailures removed)",
                        t -> replaceFirstAfter(
                                t,
                                "\n  SliceFunction:\n",
                                "            FunctionResponseTypes: [ReportBatchItemFailures]\n",
                                ""),
                        WiringChecks::everySqsEventReportsItemFailures,
                        "SliceFunction"),
                new Mutation(
                        "slice handler's failures ignored, seen from the handler's return type",
                        t -> replaceFirstAfter(
                                t,
                                "\n  SliceFunction:\n",
                                "            FunctionResponseTypes: [ReportBatchItemFailures]\n",
                                ""),
                        CodeChecks::partialBatchResponses,
                        "SliceHandler"),
                new Mutation(
                        "slices back on the fan-out function's stream handler",
                        t -> replaceFirstAfter(
                                t,
                                "\n  SliceFunction:\n",
                                "dev.offerrecorder.fanout.SliceHandler::handleRequest",
                                "dev.offerrecorder.fanout.FanoutHandler::handleRequest"),
                        WiringChecks::sliceEventSource,
                        "SliceHandler"),
                new Mutation(
                        "a failed daily fan-out is not retried (MaximumRetryAttempts 0)",
                        t -> replaceFirstAfter(
                                t, "\n  FanoutFunction:\n", "MaximumRetryAttempts: 2", "MaximumRetryAttempts: 0"),
                        AlarmChecks::fanoutAsyncInvoke,
                        "MaximumRetryAttempts"),
                new Mutation(
                        "a failed daily fan-out is dropped (no OnFailure destination)",
                        t -> replaceFirstAfter(t, "\n  FanoutFunction:\n", "OnFailure:", "OnSuccess:"),
                        AlarmChecks::fanoutAsyncInvoke,
                        "OnFailure"),
                new Mutation(
                        "the fan-out role may not send to its OnFailure queue",
                        t -> replaceFirstAfter(
                                t,
                                "Sid: ReportFailedInvocations",
                                "Resource: !GetAtt FanoutFailureQueue.Arn",
                                "Resource: !GetAtt FanoutQueue.Arn"),
                        AlarmChecks::fanoutAsyncInvoke,
                        "FanoutRole"),
                new Mutation(
                        "the transform DLQ's alarm watches the wrong queue",
                        t -> replaceFirstAfter(
                                t,
                                "\n  TransformDlqAlarm:\n",
                                "Value: !GetAtt TransformDlq.QueueName",
                                "Value: !GetAtt TransformQueue.QueueName"),
                        AlarmChecks::deadLetterQueueAlarms,
                        "TransformDlq"),
                new Mutation(
                        "the fan-out DLQ's alarm has no action",
                        t -> replaceFirstAfter(
                                t, "\n  FanoutDlqAlarm:\n", "AlarmActions: [!Ref AlarmTopic]", "AlarmActions: []"),
                        AlarmChecks::deadLetterQueueAlarms,
                        "FanoutDlq"),
                new Mutation(
                        "fan-out errors alarm only from two errors on",
                        t -> replaceFirstAfter(t, "\n  FanoutErrorsAlarm:\n", "Threshold: 0", "Threshold: 1"),
                        AlarmChecks::fanoutErrorAlarm,
                        "FanoutFunction"),
                new Mutation(
                        "the auth-failure filter matches a field the worker does not log",
                        t -> replaceFirstAfter(
                                t,
                                "\n  WorkerAuthFailureMetricFilter:\n",
                                "$.event = \"api_auth_failure\"",
                                "$.eventType = \"api_auth_failure\""),
                        t -> AlarmChecks.workerAuthFailureAlarm(t, WorkerService.AUTH_FAILURE_EVENT),
                        "MetricFilter"),
                new Mutation(
                        "the auth-failure alarm watches another metric",
                        t -> replaceFirstAfter(
                                t,
                                "\n  WorkerAuthFailureAlarm:\n",
                                "MetricName: WorkerApiAuthFailures",
                                "MetricName: WorkerApiAuthFailure"),
                        t -> AlarmChecks.workerAuthFailureAlarm(t, WorkerService.AUTH_FAILURE_EVENT),
                        "needs an alarm"),
                new Mutation(
                        "the auth-failure alarm has no action",
                        t -> replaceFirstAfter(
                                t,
                                "\n  WorkerAuthFailureAlarm:\n",
                                "AlarmActions: [!Ref AlarmTopic]",
                                "AlarmActions: []"),
                        t -> AlarmChecks.workerAuthFailureAlarm(t, WorkerService.AUTH_FAILURE_EVENT),
                        "needs an alarm"),
                new Mutation(
                        "alarm topic under the AWS managed key CloudWatch cannot use",
                        t -> replaceFirstAfter(
                                t,
                                "\n  AlarmTopic:\n",
                                "KmsMasterKeyId: !Ref AlarmKey",
                                "KmsMasterKeyId: alias/aws/sns"),
                        AlarmChecks::alarmTopic,
                        "alias/aws/sns"),
                new Mutation(
                        "job queue kept as long as its DLQ",
                        t -> replaceFirstAfter(
                                t,
                                "\n  JobQueue:\n",
                                "MessageRetentionPeriod: 1036800",
                                "MessageRetentionPeriod: 1209600"),
                        WiringChecks::redrive,
                        "JobDlq"),
                new Mutation(
                        "transform DLQ kept shorter than its source",
                        t -> replaceFirstAfter(
                                t,
                                "\n  TransformDlq:\n",
                                "MessageRetentionPeriod: 1209600",
                                "MessageRetentionPeriod: 345600"),
                        WiringChecks::redrive,
                        "TransformDlq"),
                new Mutation(
                        "job queue visibility below 6x the worker timeout",
                        t -> replaceFirstAfter(
                                t, "\n  JobQueue:\n", "VisibilityTimeout: 1800", "VisibilityTimeout: 900"),
                        WiringChecks::visibilityTimeouts,
                        "JobQueue"),
                new Mutation(
                        "schedule in UTC instead of the time zone parameter",
                        t -> replaceFirstAfter(
                                t,
                                "\n  FanoutFunction:\n",
                                "ScheduleExpressionTimezone: !Ref ScheduleTimeZone",
                                "ScheduleExpressionTimezone: UTC"),
                        WiringChecks::schedules,
                        "ScheduleExpressionTimezone"),
                new Mutation(
                        "misspelt required variable",
                        t -> replaceFirstAfter(
                                t, "\n  WorkerFunction:\n", "RAW_BUCKET: !Ref RawBucket", "RAW_BUKET: !Ref RawBucket"),
                        CodeChecks::environment,
                        "RAW_BUCKET"),
                new Mutation(
                        "raw notification with the wrong suffix",
                        t -> replaceFirstAfter(t, "NotificationConfiguration:", "Value: .jsonl.gz", "Value: .json.gz"),
                        WiringChecks::rawNotifications,
                        "suffix"),
                new Mutation(
                        "quarantine prefix misspelt in the transform role",
                        t -> replaceFirstAfter(t, "Sid: WriteTableAndQuarantine", "/quarantine/*", "/quarantined/*"),
                        WiringChecks::keyPrefixes,
                        "quarantine/"),
                new Mutation(
                        "run plans prefix misspelt in the fan-out role",
                        t -> replaceFirstAfter(t, "Sid: WriteRunPlans", "/runs/*", "/run/*"),
                        WiringChecks::keyPrefixes,
                        "FanoutRole must allow s3:PutObject"),
                new Mutation(
                        "fan-out role may put any key of the raw bucket",
                        t -> replaceFirstAfter(t, "Sid: WriteRunPlans", "/runs/*", "/*"),
                        WiringChecks::keyPrefixes,
                        "FanoutRole may put only"),
                new Mutation(
                        "fan-out without the bucket for its run plans",
                        t -> replaceFirstAfter(
                                t, "\n  FanoutFunction:\n", "RAW_BUCKET: !Ref RawBucket", "RAW_BUKET: !Ref RawBucket"),
                        CodeChecks::environment,
                        "RAW_BUCKET"),
                new Mutation(
                        "compaction on SnapStart with more than 512 MB of /tmp",
                        t -> replaceFirstAfter(
                                t, "\n  CompactFunction:\n", "ApplyOn: None", "ApplyOn: PublishedVersions"),
                        WiringChecks::snapStart,
                        "ephemeral storage"),
                new Mutation(
                        "compaction handler renamed to a class that does not exist",
                        t -> replaceFirstAfter(
                                t,
                                "\n  CompactFunction:\n",
                                "dev.offerrecorder.transform.CompactionHandler::handleRequest",
                                "dev.offerrecorder.transform.NoSuchHandler::handleRequest"),
                        CodeChecks::handlers,
                        "NoSuchHandler"));
    }

    @TestFactory
    Stream<DynamicTest> everyLooseningIsCaught() {
        return mutations().stream()
                .map(m -> DynamicTest.dynamicTest(m.name(), () -> {
                    String mutated = m.edit().apply(TEXT);
                    assertFalse(mutated.equals(TEXT), "mutation changed nothing");
                    List<String> before = m.check().apply(REAL).stream()
                            .filter(v -> v.contains(m.expectedInViolation()))
                            .toList();
                    assertTrue(before.isEmpty(), () -> "the real template already fails this check: " + before);
                    CfnTemplate loosened = CfnTemplate.parse(mutated, CfnTemplate.repoRoot());
                    List<String> after = m.check().apply(loosened);
                    assertTrue(
                            after.stream().anyMatch(v -> v.contains(m.expectedInViolation())),
                            () -> "the check did not report '" + m.expectedInViolation()
                                    + "' for the mutation; it reported " + after);
                }));
    }

    /** Replaces the text from {@code start} to {@code end} (both included) found after {@code anchor}. */
    static String replaceSpanAfter(String text, String anchor, String start, String end, String replacement) {
        int from = text.indexOf(anchor);
        int begin = from < 0 ? -1 : text.indexOf(start, from);
        int stop = begin < 0 ? -1 : text.indexOf(end, begin);
        if (stop < 0) {
            fail("mutation span '" + start + "' .. '" + end + "' after '" + anchor
                    + "' not found in template.yaml; update the mutation");
        }
        return text.substring(0, begin) + replacement + text.substring(stop + end.length());
    }

    /** Replaces the first {@code target} after the first {@code anchor}; fails if either is missing. */
    static String replaceFirstAfter(String text, String anchor, String target, String replacement) {
        int from = text.indexOf(anchor);
        if (from < 0) {
            fail("mutation anchor '" + anchor + "' not found in template.yaml; update the mutation");
        }
        int at = text.indexOf(target, from);
        if (at < 0) {
            fail("mutation target '" + target + "' not found after '" + anchor
                    + "' in template.yaml; update the mutation");
        }
        return text.substring(0, at) + replacement + text.substring(at + target.length());
    }
}
