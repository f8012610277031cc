package dev.offerrecorder.e2e.template;

import static dev.offerrecorder.e2e.template.Violations.assertNone;

import dev.offerrecorder.worker.WorkerService;
import org.junit.jupiter.api.Test;

/**
 * A failed daily fan-out is retried, then parked and alarmed; every DLQ has an alarm; the API refusing the worker's
 * credential raises one; alarms reach a topic.
 */
class TemplateAlarmsTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    @Test
    void theFanoutsAsyncInvokeIsRetriedThenParkedInAnAlarmedQueue() {
        assertNone("fan-out async invoke", AlarmChecks.fanoutAsyncInvoke(TEMPLATE));
    }

    @Test
    void everyDeadLetterQueueHasAnAlarm() {
        assertNone("DLQ alarms", AlarmChecks.deadLetterQueueAlarms(TEMPLATE));
    }

    @Test
    void fanoutErrorsRaiseAnAlarm() {
        assertNone("fan-out error alarm", AlarmChecks.fanoutErrorAlarm(TEMPLATE));
    }

    /** Pinned to the worker's own constant, so renaming the log field breaks this test, not the alarm silently. */
    @Test
    void theWorkersCredentialRefusalsRaiseAnAlarm() {
        assertNone(
                "worker auth-failure alarm",
                AlarmChecks.workerAuthFailureAlarm(TEMPLATE, WorkerService.AUTH_FAILURE_EVENT));
    }

    @Test
    void alarmsActOnAnEncryptedTopicWithAnOptionalEmail() {
        assertNone("alarm topic", AlarmChecks.alarmTopic(TEMPLATE));
    }
}
