package dev.offerrecorder.e2e.template;

import static dev.offerrecorder.e2e.template.Violations.assertNone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The variables the code requires are exactly those the template gives each function. */
class TemplateEnvironmentTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    @Test
    void everyRequiredVariableIsSetAndEverySetVariableIsRead() {
        assertNone("environment variables", CodeChecks.environment(TEMPLATE));
    }

    /**
     * java21 stops at C1 unless told otherwise: the compute-heavy transform and compaction ask for C2 (about twice the
     * records per CPU-second, docs/benchmarks.md), the short invocations keep the runtime's default.
     */
    @Test
    void onlyTheComputeHeavyFunctionsAskForFullTieredCompilation() {
        for (String function : TEMPLATE.functions()) {
            Object options = TEMPLATE.environment(function).get("JAVA_TOOL_OPTIONS");
            String handler = String.valueOf(TEMPLATE.properties(function).get("Handler"));
            if (handler.startsWith("dev.offerrecorder.transform.")) {
                assertEquals("-XX:+TieredCompilation -XX:TieredStopAtLevel=4", options, function);
            } else {
                assertEquals(null, options, function + " should keep java21's default (level 1)");
            }
        }
    }

    @Test
    void theDailyManifestDefaultsToTheRawBucketWhereTheFanoutMayReadIt() {
        Map<String, Boolean> defaults = Cfn.evaluateConditions(TEMPLATE, Map.of());
        Object manifest = Cfn.resolveIfs(TEMPLATE.environment("FanoutFunction").get("SHOP_MANIFEST"), defaults);
        String rawBucket = Cfn.stringOrSub(TEMPLATE.properties("RawBucket").get("BucketName"))
                .orElseThrow();
        String uri = Cfn.stringOrSub(manifest).orElseThrow(() -> new AssertionError("SHOP_MANIFEST is " + manifest));
        assertTrue(
                uri.startsWith("s3://" + rawBucket + "/manifests/"),
                "without ShopManifestUri the fan-out must read s3://<raw bucket>/manifests/..., got " + uri);
        boolean readable = SecurityChecks.identityStatements(TEMPLATE).stream()
                .filter(s -> s.owner().equals("FanoutRole") && s.actions().contains("s3:GetObject"))
                .anyMatch(s -> s.resources().stream().anyMatch(r -> Cfn.stringOrSub(r)
                        .filter(("arn:${AWS::Partition}:s3:::" + rawBucket + "/manifests/*")::equals)
                        .isPresent()));
        assertTrue(readable, "FanoutRole must allow s3:GetObject on the raw bucket's manifests/*");

        Map<String, Boolean> configured =
                Cfn.evaluateConditions(TEMPLATE, Map.of("ShopManifestUri", "s3://other/m.csv"));
        assertEquals(
                Map.of("Ref", "ShopManifestUri"),
                Cfn.resolveIfs(TEMPLATE.environment("FanoutFunction").get("SHOP_MANIFEST"), configured));
    }
}
