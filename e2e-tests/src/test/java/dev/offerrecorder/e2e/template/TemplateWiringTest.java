package dev.offerrecorder.e2e.template;

import static dev.offerrecorder.e2e.template.Violations.assertNone;

import org.junit.jupiter.api.Test;

/** Event sources, queues, schedules and notifications are connected as the pipeline needs. */
class TemplateWiringTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    @Test
    void workerReadsTheJobQueueWithPartialFailuresAndCappedConcurrency() {
        assertNone("worker event source", WiringChecks.workerEventSource(TEMPLATE));
    }

    @Test
    void eachWorkerInstanceIsToldItsShareOfTheApi() {
        assertNone("worker pacing", WiringChecks.workerPacing(TEMPLATE));
    }

    @Test
    void slicesGoToTheirOwnTypedHandlerWithPartialFailuresAndCappedConcurrency() {
        assertNone("slice event source", WiringChecks.sliceEventSource(TEMPLATE));
    }

    @Test
    void everySqsEventSourceReportsBatchItemFailures() {
        assertNone("partial batch failures", WiringChecks.everySqsEventReportsItemFailures(TEMPLATE));
    }

    @Test
    void consumedQueuesRedriveToTheirDeadLetterQueues() {
        assertNone("redrive", WiringChecks.redrive(TEMPLATE));
    }

    @Test
    void visibilityTimeoutsAreAtLeastSixTimesTheFunctionTimeout() {
        assertNone("visibility timeouts", WiringChecks.visibilityTimeouts(TEMPLATE));
    }

    @Test
    void schedulesAreDailyInTheConfiguredTimeZone() {
        assertNone("schedules", WiringChecks.schedules(TEMPLATE));
    }

    @Test
    void rawLogsNotifyTheTransformQueue() {
        assertNone("raw-log notifications", WiringChecks.rawNotifications(TEMPLATE));
    }

    @Test
    void s3PermissionsCoverTheKeysTheCodeUses() {
        assertNone("key prefixes", WiringChecks.keyPrefixes(TEMPLATE));
    }

    @Test
    void everyFunctionUsesSnapStartBehindAnAlias() {
        assertNone("SnapStart", WiringChecks.snapStart(TEMPLATE));
    }

    @Test
    void everyFunctionLogsJsonToItsOwnLogGroup() {
        assertNone("logging", WiringChecks.logging(TEMPLATE));
    }

    @Test
    void theCliFindsItsOutputs() {
        assertNone("outputs", WiringChecks.outputs(TEMPLATE));
    }

    @Test
    void constructedNamesMatchTheDeclaredBucketsAndQueues() {
        assertNone("constructed names", WiringChecks.constructedNames(TEMPLATE));
    }

    @Test
    void resourcesHaveNoCircularDependency() {
        assertNone("dependency cycles", WiringChecks.dependencyCycles(TEMPLATE));
    }
}
