package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code sam build} can build every function (SAM CLI skips only a .zip CodeUri or Metadata SkipBuild), through the
 * Makefile target SAM runs for it ({@code build-<LogicalId>}), which puts the very jar CodeUri names (the path
 * {@code ./recorder build && sam deploy} uses) into the artifacts directory. And no AWS::NoValue sits inside the
 * Globals' Layers list, which {@code sam local invoke} cannot read (aws-sam-cli#6205).
 */
class SamBuildTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    @Test
    void everyFunctionIsBuiltByItsMakefileTargetIntoTheJarItsCodeUriNames() throws Exception {
        String makefile = Files.readString(TEMPLATE.repoRootDir().resolve("Makefile"));
        for (String function : TEMPLATE.functions()) {
            Map<String, Object> metadata = Cfn.map(TEMPLATE.attribute(function, "Metadata"));
            assertEquals("makefile", metadata.get("BuildMethod"), function);
            assertEquals(".", metadata.get("ProjectRootDirectory"), function);
            assertEquals(".", metadata.get("ContextPath"), function);
            assertFalse(Boolean.TRUE.equals(metadata.get("SkipBuild")), function);
            String codeUri = TEMPLATE.functionString(function, "CodeUri").orElseThrow();
            assertFalse(codeUri.endsWith(".zip"), function + ": sam build skips a .zip CodeUri");
            Matcher target = Pattern.compile("(?m)^build-" + function + ":\\n\\t\\$\\(call lambda_jar,(\\w+)\\)$")
                    .matcher(makefile);
            assertTrue(target.find(), "Makefile lacks build-" + function);
            String module = target.group(1);
            assertEquals("functions/" + module + "/target/" + module + ".jar", codeUri, function);
        }
        assertTrue(makefile.contains("cp functions/$(1)/target/$(1).jar \"$(ARTIFACTS_DIR)/lib/\""), makefile);
    }

    @Test
    void globalsLayersHoldNoNoValueElement() {
        Object layers = TEMPLATE.globalFunction().get("Layers");
        assertFalse(String.valueOf(layers).contains("AWS::NoValue"), String.valueOf(layers));
        var branches = Cfn.list(Cfn.intrinsic(layers, "Fn::If").orElseThrow());
        assertEquals("NewRelicEnabled", branches.get(0));
        assertEquals(1, Cfn.list(branches.get(1)).size(), "one New Relic layer when on");
        assertEquals(0, Cfn.list(branches.get(2)).size(), "no layer when off");
    }
}
