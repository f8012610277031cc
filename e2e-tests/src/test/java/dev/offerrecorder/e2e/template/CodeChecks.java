package dev.offerrecorder.e2e.template;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that tie the template to the code: each Handler exists in the jar its CodeUri names, each variable the
 * code requires is set, each variable set is read somewhere, and handlers returning SQSBatchResponse get their
 * partial batch failures honoured. Each check returns its violations; an empty list means it passes.
 */
final class CodeChecks {
    /** Class-file major version of Java 21, the Lambda runtime the template declares. */
    static final int JAVA_21_CLASS_VERSION = 65;

    private static final Pattern REQUIRE = Pattern.compile("env\\.require\\(\\s*\"([A-Za-z0-9_]+)\"\\s*\\)");
    private static final String BATCH_RESPONSE = "com.amazonaws.services.lambda.runtime.events.SQSBatchResponse";
    private static final String STREAM_HANDLER = "com.amazonaws.services.lambda.runtime.RequestStreamHandler";

    private CodeChecks() {}

    /**
     * What loading a function's handler from its jar found; {@code stream}: a RequestStreamHandler, which writes its
     * response JSON itself (so its response type cannot be seen).
     */
    record HandlerInfo(Path jar, String className, String methodName, List<String> returnTypes, boolean stream) {}

    /** Either what was found or why not (exactly one is non-null). */
    record Inspection(HandlerInfo info, String violation) {
        static Inspection failed(String violation) {
            return new Inspection(null, violation);
        }
    }

    /** Loads the handler class from the jar on disk; a problem comes back as a violation message. */
    static Inspection inspectHandler(CfnTemplate template, String function) {
        Optional<String> handler = template.functionString(function, "Handler");
        Optional<String> codeUri = template.functionString(function, "CodeUri");
        if (handler.isEmpty() || codeUri.isEmpty()) {
            return Inspection.failed(function + ": needs a literal Handler and CodeUri (got Handler="
                    + template.functionProperty(function, "Handler") + ", CodeUri="
                    + template.functionProperty(function, "CodeUri") + ")");
        }
        String[] parts = handler.get().split("::", 2);
        String className = parts[0];
        String methodName = parts.length == 2 ? parts[1] : "handleRequest";
        Path jar = template.repoRootDir().resolve(codeUri.get()).normalize();
        String where = function + ": handler " + handler.get() + " in " + codeUri.get();
        if (!Files.isRegularFile(jar)) {
            return Inspection.failed(where + ": the jar does not exist (build it with ./mvnw -B package)");
        }
        Integer major = classVersion(jar, className);
        if (major == null) {
            return Inspection.failed(where + ": class " + className + " is missing from the jar");
        }
        if (major > JAVA_21_CLASS_VERSION) {
            return Inspection.failed(where + ": class file version " + major
                    + " is newer than the java21 runtime runs (" + JAVA_21_CLASS_VERSION + ")");
        }
        URL url;
        try {
            url = jar.toUri().toURL();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Platform class loader as parent: the jar must carry everything itself, as it does in Lambda.
        try (URLClassLoader loader = new URLClassLoader(new URL[] {url}, ClassLoader.getPlatformClassLoader())) {
            Class<?> type = Class.forName(className, false, loader);
            if (!Modifier.isPublic(type.getModifiers()) || Modifier.isAbstract(type.getModifiers())) {
                return Inspection.failed(where + ": class is not a public concrete class");
            }
            try {
                type.getConstructor();
            } catch (NoSuchMethodException e) {
                return Inspection.failed(where + ": class has no public no-argument constructor for Lambda to call");
            }
            List<Method> methods = Arrays.stream(type.getMethods())
                    .filter(m ->
                            m.getName().equals(methodName) && !Modifier.isStatic(m.getModifiers()) && !m.isBridge())
                    .toList();
            if (methods.isEmpty()) {
                return Inspection.failed(where + ": class has no public instance method " + methodName);
            }
            return new Inspection(
                    new HandlerInfo(
                            jar,
                            className,
                            methodName,
                            methods.stream()
                                    .map(m -> m.getReturnType().getName())
                                    .toList(),
                            Arrays.stream(type.getInterfaces())
                                    .anyMatch(i -> i.getName().equals(STREAM_HANDLER))),
                    null);
        } catch (ClassNotFoundException e) {
            return Inspection.failed(where + ": class " + className + " cannot be loaded from the jar");
        } catch (LinkageError e) {
            return Inspection.failed(where + ": class does not link against the jar's contents: " + e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Integer classVersion(Path jar, String className) {
        try (JarFile file = new JarFile(jar.toFile())) {
            var entry = file.getJarEntry(className.replace('.', '/') + ".class");
            if (entry == null) {
                return null;
            }
            try (InputStream in = file.getInputStream(entry);
                    var data = new DataInputStream(in)) {
                data.readInt(); // magic
                data.readUnsignedShort(); // minor
                return data.readUnsignedShort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    /** 1. Every function's Handler is a public method of a loadable public class in the jar CodeUri names. */
    static List<String> handlers(CfnTemplate template) {
        List<String> violations = new ArrayList<>();
        if (template.functions().isEmpty()) {
            violations.add("the template declares no AWS::Serverless::Function");
        }
        for (String function : template.functions()) {
            String violation = inspectHandler(template, function).violation();
            if (violation != null) {
                violations.add(violation);
            }
        }
        return violations;
    }

    /**
     * A handler returning SQSBatchResponse reports failed messages by ID; Lambda honours that only with
     * FunctionResponseTypes [ReportBatchItemFailures]. Without it the whole batch counts as done and the
     * failed messages are deleted.
     */
    static List<String> partialBatchResponses(CfnTemplate template) {
        List<String> violations = new ArrayList<>();
        for (String function : template.functions()) {
            Map<String, Map<String, Object>> sqsEvents = template.events(function, "SQS");
            if (sqsEvents.isEmpty()) {
                continue;
            }
            HandlerInfo handler = inspectHandler(template, function).info();
            // An SQS-triggered stream handler (the transform's) answers the partial-batch JSON itself: held to the
            // same rule, as the check cannot see what it writes.
            if (handler == null || !(handler.returnTypes().contains(BATCH_RESPONSE) || handler.stream())) {
                continue; // not loadable (the handler check reports it) or not a partial-batch handler
            }
            sqsEvents.forEach((name, event) -> {
                if (!Cfn.list(event.get("FunctionResponseTypes")).contains("ReportBatchItemFailures")) {
                    violations.add(
                            function + ": " + handler.className()
                                    + " returns SQSBatchResponse (or its JSON) but SQS event " + name
                                    + " lacks FunctionResponseTypes [ReportBatchItemFailures]; failed messages would be deleted");
                }
            });
        }
        return violations;
    }

    /**
     * 2. Every {@code env.require("NAME")} in a function's module (and shared/) is set for that function, not
     * conditionally and not empty; every variable the function sets itself is read by some code (catches typos).
     * Other handler classes of the same module are skipped for the first part: a jar can hold several functions
     * (transform.jar holds TransformStreamHandler and CompactionHandler), each with its own variables.
     */
    static List<String> environment(CfnTemplate template) {
        List<String> violations = new ArrayList<>();
        Path root = template.repoRootDir();
        for (String function : template.functions()) {
            Optional<String> codeUri = template.functionString(function, "CodeUri");
            Optional<String> handler = template.functionString(function, "Handler");
            if (codeUri.isEmpty() || handler.isEmpty() || !codeUri.get().contains("/target/")) {
                violations.add(function + ": CodeUri must be a module's target/*.jar to find its sources, got "
                        + template.functionProperty(function, "CodeUri"));
                continue;
            }
            String module = codeUri.get().substring(0, codeUri.get().indexOf("/target/"));
            Path moduleSources = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(moduleSources)) {
                violations.add(function + ": no sources at " + root.relativize(moduleSources));
                continue;
            }
            String className = handler.get().split("::", 2)[0];
            String ownHandlerFile = className.substring(className.lastIndexOf('.') + 1) + ".java";
            List<Path> sources = javaFiles(moduleSources, root.resolve("shared/src/main/java"));

            Map<String, Object> env = template.environment(function);
            StringBuilder allText = new StringBuilder();
            for (Path file : sources) {
                String text = read(file);
                allText.append(text).append('\n');
                String fileName = file.getFileName().toString();
                if (fileName.endsWith("Handler.java") && !fileName.equals(ownHandlerFile)) {
                    continue;
                }
                Matcher m = REQUIRE.matcher(text);
                while (m.find()) {
                    String name = m.group(1);
                    String from = root.relativize(file).toString();
                    if (!env.containsKey(name)) {
                        violations.add(function + ": " + from + " requires " + name
                                + " but the template sets it neither in Globals nor in the function");
                    } else if (Cfn.canBeNoValue(env.get(name))) {
                        violations.add(function + ": " + from + " requires " + name
                                + " but the template sets it only under a condition");
                    } else if ("".equals(env.get(name))) {
                        violations.add(
                                function + ": " + from + " requires " + name + " but the template sets it empty");
                    }
                }
            }
            for (String name : template.ownEnvironment(function).keySet()) {
                // NEW_RELIC_* are read by New Relic's layer and agent, JAVA_TOOL_OPTIONS by the JVM, not by this
                // project's code.
                boolean readOutside = name.startsWith("NEW_RELIC_") || name.equals("JAVA_TOOL_OPTIONS");
                if (!readOutside && allText.indexOf("\"" + name + "\"") < 0) {
                    violations.add(function + ": sets " + name + ", which no code in " + module
                            + " or shared reads (misspelt?)");
                }
            }
        }
        return violations;
    }

    private static List<Path> javaFiles(Path... dirs) {
        List<Path> out = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(p -> p.toString().endsWith(".java")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
