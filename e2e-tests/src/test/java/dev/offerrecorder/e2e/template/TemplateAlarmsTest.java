package dev.offerrecorder.e2e.template;

import static dev.offerrecorder.e2e.template.Violations.assertNone;

import org.junit.jupiter.api.Test;

/** A failed daily fan-out is retried, then parked and alarmed; every DLQ has an alarm; alarms reach a topic. */
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

    @Test
    void alarmsActOnAnEncryptedTopicWithAnOptionalEmail() {
        assertNone("alarm topic", AlarmChecks.alarmTopic(TEMPLATE));
    }
}
