package dev.offerrecorder.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Each deployment jar's size, and what its largest parts are, so nothing rides along unused. */
public final class JarSizeBench implements Benchmark {
    @Override
    public String id() {
        return "jars";
    }

    @Override
    public String run(int repeats) throws Exception {
        StringBuilder md = new StringBuilder("## Deployment jar sizes\n\n")
                .append("| function | jar | size (MiB) | largest parts (compressed MiB) |\n|---|---|---|---|\n");
        for (String f : new String[] {"fanout", "worker", "transform", "replay"}) {
            Path jar = Path.of("functions", f, "target", f + ".jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " missing: run ./mvnw package first");
            }
            Map<String, Long> parts = new TreeMap<>();
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                zip.stream()
                        .filter(e -> !e.isDirectory())
                        .forEach(e -> parts.merge(group(e), e.getCompressedSize(), Long::sum));
            }
            String top = parts.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                    .limit(5)
                    .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1048576.0))
                    .reduce((a, b) -> a + ", " + b)
                    .orElse("");
            String row =
                    String.format(Locale.ROOT, "| %s | `%s` | %.1f | %s |", f, jar, Files.size(jar) / 1048576.0, top);
            System.err.println(row);
            md.append(row).append('\n');
        }
        md.append("\nReproduce: `./mvnw -q package -DskipTests && ./recorder bench --only jars`.\n");
        return md.toString();
    }

    /** The first three path segments name a library well enough: software/amazon/awssdk, org/apache/parquet... */
    private static String group(ZipEntry e) {
        String[] parts = e.getName().split("/");
        if (parts.length <= 1) {
            return "(root)";
        }
        return String.join("/", java.util.Arrays.copyOf(parts, Math.min(3, parts.length - 1)));
    }
}
