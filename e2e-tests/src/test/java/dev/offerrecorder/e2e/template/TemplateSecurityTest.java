package dev.offerrecorder.e2e.template;

import static dev.offerrecorder.e2e.template.Violations.assertNone;

import org.junit.jupiter.api.Test;

/** Least privilege, encryption, TLS, private buckets, secrets by reference, New Relic off by default. */
class TemplateSecurityTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    @Test
    void iamStatementsNameTheirActionsAndResources() {
        assertNone("IAM scope", SecurityChecks.iamScope(TEMPLATE));
    }

    @Test
    void bucketsArePrivateEncryptedAndTlsOnly() {
        assertNone("bucket security", SecurityChecks.buckets(TEMPLATE));
    }

    @Test
    void queuesAreEncrypted() {
        assertNone("queue encryption", SecurityChecks.queues(TEMPLATE));
    }

    @Test
    void secretsArePassedByReferenceOnly() {
        assertNone("secret handling", SecurityChecks.secrets(TEMPLATE));
    }

    @Test
    void newRelicIsOffByDefaultAndCompleteWhenConfigured() {
        assertNone("New Relic wiring", SecurityChecks.newRelic(TEMPLATE));
    }
}
