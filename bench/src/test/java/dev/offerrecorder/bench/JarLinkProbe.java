package dev.offerrecorder.bench;

import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Loads, links (the bytecode verifier included) and initialises every class of a jar, in a JVM whose classpath is
 * that jar and this class: prints {@code FAIL <class> <error>} for each one that cannot, then {@code OK <count>}.
 * Run by {@link ShrunkJarLinksTest}.
 */
public final class JarLinkProbe {
    private JarLinkProbe() {}

    public static void main(String[] args) throws Exception {
        ClassLoader loader = JarLinkProbe.class.getClassLoader();
        int ok = 0;
        try (ZipFile jar = new ZipFile(args[0])) {
            List<String> classes = jar.stream()
                    .map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class"))
                    .sorted()
                    .toList();
            for (String entry : classes) {
                String name =
                        entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                try {
                    Class.forName(name, true, loader);
                    ok++;
                } catch (Throwable t) {
                    System.out.println("FAIL " + name + " " + String.valueOf(t).replace('\n', ' '));
                }
            }
        }
        System.out.println("OK " + ok);
        System.exit(0);
    }
}
