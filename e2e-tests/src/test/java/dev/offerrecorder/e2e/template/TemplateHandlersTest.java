package dev.offerrecorder.e2e.template;

import static dev.offerrecorder.e2e.template.Violations.assertNone;

import org.junit.jupiter.api.Test;

/**
 * Each function's Handler exists in the jar its CodeUri names (functions/X/target/X.jar, packaged before this
 * module's tests in the reactor). Loads the jar as Lambda would: on its own, without this module's classpath.
 */
class TemplateHandlersTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    @Test
    void everyHandlerIsAPublicMethodInItsJar() {
        assertNone("handler resolution", CodeChecks.handlers(TEMPLATE));
    }

    @Test
    void handlersReturningBatchResponsesHaveReportBatchItemFailures() {
        assertNone("partial batch responses", CodeChecks.partialBatchResponses(TEMPLATE));
    }
}
