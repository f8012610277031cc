package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * New Relic as New Relic documents it for the Java layer: APM Lambda mode on, the trusted account key (the parent
 * account when given), the license secret the {@code newrelic-lambda} integration installs unless another is named,
 * and one entity per function a user can tell apart.
 */
class NewRelicTemplateTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();
    private static final Map<String, Object> INTEGRATION_SECRET =
            Map.of("Fn::ImportValue", "NewRelic-LicenseKeySecretARN");

    private static Map<String, Object> env(String function, Map<String, String> parameters) {
        return Cfn.map(Cfn.resolveIfs(TEMPLATE.environment(function), Cfn.evaluateConditions(TEMPLATE, parameters)));
    }

    @Test
    void apmModeAndTrustedAccountKeyAsDocumented() {
        for (String function : TEMPLATE.functions()) {
            Map<String, Object> on =
                    env(function, Map.of("NewRelicAccountId", "1234567", "NewRelicLayerVersion", "12"));
            assertEquals("true", on.get("NEW_RELIC_APM_LAMBDA_MODE"), function);
            assertEquals(Map.of("Ref", "NewRelicAccountId"), on.get("NEW_RELIC_TRUSTED_ACCOUNT_KEY"), function);
            Map<String, Object> child = env(
                    function,
                    Map.of(
                            "NewRelicAccountId",
                            "1234567",
                            "NewRelicLayerVersion",
                            "12",
                            "NewRelicTrustedAccountKey",
                            "7654321"));
            assertEquals(
                    Map.of("Ref", "NewRelicTrustedAccountKey"), child.get("NEW_RELIC_TRUSTED_ACCOUNT_KEY"), function);
        }
    }

    @Test
    void theIntegrationsSecretIsTheDefaultAndTheRoleMayReadIt() {
        Map<String, String> on = Map.of("NewRelicAccountId", "1234567", "NewRelicLayerVersion", "12");
        Map<String, Boolean> conditions = Cfn.evaluateConditions(TEMPLATE, on);
        for (String function : TEMPLATE.functions()) {
            assertEquals(INTEGRATION_SECRET, env(function, on).get("NEW_RELIC_LICENSE_KEY_SECRET"), function);
            String role = TEMPLATE.roleOf(function).orElseThrow();
            String policies = String.valueOf(Cfn.resolveIfs(TEMPLATE.properties(role), conditions));
            assertTrue(
                    policies.contains("secretsmanager:GetSecretValue")
                            && policies.contains("NewRelic-LicenseKeySecretARN"),
                    role + " must read the integration's secret: " + policies);
        }
    }

    @Test
    void eachFunctionIsItsOwnEntity() {
        Map<String, String> on = Map.of("NewRelicAccountId", "1234567", "NewRelicLayerVersion", "12");
        Set<Object> names = new HashSet<>();
        Map<String, Object> byFunction = new HashMap<>();
        for (String function : TEMPLATE.functions()) {
            Object name = env(function, on).get("NEW_RELIC_APP_NAME");
            Object functionName = TEMPLATE.properties(function).get("FunctionName");
            assertEquals(functionName, name, function + ": the entity is named as the function");
            byFunction.put(function, name);
            names.add(name);
        }
        assertEquals(TEMPLATE.functions().size(), names.size(), "distinct entity names: " + byFunction);
        assertTrue(env(TEMPLATE.functions().get(0), Map.of()).keySet().stream()
                .noneMatch(k -> k.startsWith("NEW_RELIC_")));
    }
}
