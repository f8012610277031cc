package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.offerrecorder.local.serve.SamEnvVars;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import dev.offerrecorder.testkit.support.RepoFiles;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The env-vars file for {@code sam local invoke} gives every function every variable the template declares for it
 * (SAM sets no other), and with those values each handler starts: what each function requires is there and valid.
 */
@WithEmbeddedStack
class SamEnvVarsTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();
    static final String FILE = "events/sam-env-localstack.json";
    static EmbeddedStack stack;

    private static Map<String, Map<String, String>> committed() throws Exception {
        return Json.newMapper()
                .readValue(
                        Files.readString(RepoFiles.root().resolve(FILE)),
                        new TypeReference<LinkedHashMap<String, Map<String, String>>>() {});
    }

    @Test
    void theCommittedLocalStackFileIsWhatTheGeneratorWrites() throws Exception {
        assertEquals(
                SamEnvVars.localStack().byFunction(StackLayout.local()),
                committed(),
                FILE + " is SamEnvVars.localStack(); regenerate it rather than edit it by hand");
    }

    @Test
    void everyFunctionGetsEveryVariableTheTemplateDeclaresForIt() throws Exception {
        Map<String, Map<String, String>> file = committed();
        assertEquals(new TreeSet<>(TEMPLATE.functions()), new TreeSet<>(file.keySet()), "one entry per function");
        for (String function : TEMPLATE.functions()) {
            var declared = new TreeSet<>(TEMPLATE.environment(function).keySet());
            // New Relic's variables stay as deployed; the endpoint variables come in one of two shapes; JVM flags
            // are a literal in the template, which `sam local invoke` applies as it is.
            declared.removeIf(name -> name.startsWith("NEW_RELIC_")
                    || name.equals("AWS_LAMBDA_EXEC_WRAPPER")
                    || name.equals("JAVA_TOOL_OPTIONS")
                    || name.startsWith("LOCAL_ENDPOINT_URL"));
            var missing = new TreeSet<>(declared);
            missing.removeAll(file.get(function).keySet());
            assertTrue(missing.isEmpty(), function + " lacks " + missing);
            var undeclared = new TreeSet<>(file.get(function).keySet());
            undeclared.removeAll(TEMPLATE.environment(function).keySet());
            assertTrue(
                    undeclared.isEmpty(),
                    function + ": SAM ignores variables the template does not declare: " + undeclared);
        }
    }

    @Test
    void withTheGeneratedValuesEveryHandlerStarts() throws Exception {
        // The generator's values for the embedded stack (as ./recorder serve writes them): each function reads and
        // checks its configuration at start, so a missing or malformed variable fails here.
        String jobs = stack.url(stack.layout().jobQueue());
        var vars = new SamEnvVars(
                        stack.aws().sqsEndpoint().toString(),
                        stack.aws().s3Endpoint().toString(),
                        jobs.substring(0, jobs.lastIndexOf('/')),
                        "http://127.0.0.1:9/v1/shops/{shopId}/offer?date={date}")
                .byFunction(stack.layout());
        for (var entry : vars.entrySet()) {
            Map<String, String> env = new HashMap<>(stack.baseEnv().values());
            env.keySet().removeIf(k -> k.startsWith("AWS_ENDPOINT_URL"));
            env.putAll(entry.getValue());
            String handler = TEMPLATE.functionString(entry.getKey(), "Handler")
                    .orElseThrow()
                    .split("::")[0];
            Object instance = Class.forName(handler).getConstructor(Env.class).newInstance(new Env(env));
            assertEquals(handler, instance.getClass().getName(), entry.getKey());
        }
    }
}
