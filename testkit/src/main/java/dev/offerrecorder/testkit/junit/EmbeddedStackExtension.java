package dev.offerrecorder.testkit.junit;

import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs {@link WithEmbeddedStack}: see there. */
public final class EmbeddedStackExtension implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedStackExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        Field field = stackField(testClass);
        WithEmbeddedStack config = testClass.getAnnotation(WithEmbeddedStack.class);
        StackLayout layout = StackLayout.local();
        if (config != null && config.maxReceiveCount() > 0) {
            layout = layout.withMaxReceiveCount(config.maxReceiveCount());
        }
        Path dir = Files.createTempDirectory("embedded-stack-");
        EmbeddedStack stack = EmbeddedStack.start(dir, layout);
        // The store closes what it holds (AutoCloseable values) once the class's @AfterAll methods have run.
        context.getStore(NAMESPACE).put(testClass, new Running(stack, dir));
        field.setAccessible(true);
        field.set(null, stack);
    }

    private static Field stackField(Class<?> testClass) {
        List<Field> fields = Arrays.stream(testClass.getDeclaredFields())
                .filter(f -> f.getType() == EmbeddedStack.class && Modifier.isStatic(f.getModifiers()))
                .toList();
        if (fields.size() != 1) {
            throw new ExtensionConfigurationException(testClass.getName() + " must declare exactly one static "
                    + "EmbeddedStack field for @WithEmbeddedStack to fill (found " + fields.size() + ")");
        }
        return fields.get(0);
    }

    private record Running(EmbeddedStack stack, Path dir) implements AutoCloseable {
        @Override
        public void close() {
            stack.close();
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the embedded stack's data in " + dir, e);
            }
        }
    }
}
