package dev.offerrecorder.e2e.template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed SAM template with the lookups the checks need: resources by type, a function's properties as SAM
 * resolves them against {@code Globals.Function}, and its merged environment.
 */
final class CfnTemplate {
    static final String FUNCTION = "AWS::Serverless::Function";

    private final Map<String, Object> root;
    private final Path repoRoot;

    private CfnTemplate(Map<String, Object> root, Path repoRoot) {
        this.root = root;
        this.repoRoot = repoRoot;
    }

    /** The repository's template.yaml. */
    static CfnTemplate load() {
        Path root = repoRoot();
        try {
            return parse(Files.readString(root.resolve("template.yaml")), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text() {
        try {
            return Files.readString(repoRoot().resolve("template.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A template from text; CodeUri and source paths resolve against {@code repoRoot}. */
    static CfnTemplate parse(String text, Path repoRoot) {
        return new CfnTemplate(CfnYaml.parse(text), repoRoot);
    }

    /** The nearest directory at or above the working directory that holds template.yaml. */
    static Path repoRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml")) && Files.isDirectory(dir.resolve("functions"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no template.yaml (next to functions/) at or above " + start);
    }

    Path repoRootDir() {
        return repoRoot;
    }

    Map<String, Object> section(String name) {
        return Cfn.map(root.get(name));
    }

    Map<String, Object> resources() {
        return section("Resources");
    }

    Map<String, Object> parameters() {
        return section("Parameters");
    }

    boolean hasResource(String id) {
        return resources().containsKey(id);
    }

    String type(String id) {
        return String.valueOf(Cfn.map(resources().get(id)).get("Type"));
    }

    Map<String, Object> properties(String id) {
        return Cfn.map(Cfn.map(resources().get(id)).get("Properties"));
    }

    Object attribute(String id, String attribute) {
        return Cfn.map(resources().get(id)).get(attribute);
    }

    List<String> idsOfType(String type) {
        return resources().keySet().stream().filter(id -> type.equals(type(id))).toList();
    }

    List<String> functions() {
        return idsOfType(FUNCTION);
    }

    Map<String, Object> globalFunction() {
        return Cfn.map(section("Globals").get("Function"));
    }

    /** A function property as SAM sees it: the function's own value, else the Globals value (no deep merge). */
    Object functionProperty(String function, String property) {
        Object local = properties(function).get(property);
        return local != null ? local : globalFunction().get(property);
    }

    Optional<String> functionString(String function, String property) {
        Object value = functionProperty(function, property);
        return value instanceof String s ? Optional.of(s) : Optional.empty();
    }

    int functionTimeout(String function) {
        Object value = functionProperty(function, "Timeout");
        return value instanceof Number n ? n.intValue() : 3; // Lambda's default
    }

    /** Globals and function environment variables merged key by key, as SAM merges them. */
    Map<String, Object> environment(String function) {
        Map<String, Object> merged = new LinkedHashMap<>(variables(globalFunction()));
        merged.putAll(variables(properties(function)));
        return merged;
    }

    /** Only the variables the function itself declares. */
    Map<String, Object> ownEnvironment(String function) {
        return variables(properties(function));
    }

    private static Map<String, Object> variables(Map<String, Object> holder) {
        return Cfn.map(Cfn.map(holder.get("Environment")).get("Variables"));
    }

    /** The function's events of the given SAM type ("SQS", "ScheduleV2", ...), by event name. */
    Map<String, Map<String, Object>> events(String function, String eventType) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        Cfn.map(properties(function).get("Events")).forEach((name, event) -> {
            if (eventType.equals(Cfn.map(event).get("Type"))) {
                out.put(name, Cfn.map(Cfn.map(event).get("Properties")));
            }
        });
        return out;
    }

    /** The role a function runs with, when its Role is {@code !GetAtt SomeRole.Arn} of a role in this template. */
    Optional<String> roleOf(String function) {
        return Cfn.getAttResource(properties(function).get("Role")).filter(this::hasResource);
    }
}
