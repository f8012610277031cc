package dev.offerrecorder.e2e.cli;

import dev.offerrecorder.local.cli.LocalCli;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the CLI as a user would: in this JVM with captured output, or as a child process. */
public final class Cli {
    private Cli() {}

    /** What one command line did. */
    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    public static Result run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = String.valueOf(args[i]);
        }
        int code = LocalCli.run(new PrintWriter(out, true), new PrintWriter(err, true), strings);
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code java -cp <this test's classpath> RecorderCli ARGS}, started with the current java binary. */
    public static ProcessBuilder process(Map<String, String> env, Path workDir, Object... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LocalCli.class.getName());
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs a child process to its end (at most a minute) and collects its output. */
    public static Result runProcess(Map<String, String> env, Path workDir, Object... args)
            throws IOException, InterruptedException {
        Path outFile = File.createTempFile("cli-out", ".txt", workDir.toFile()).toPath();
        Path errFile = File.createTempFile("cli-err", ".txt", workDir.toFile()).toPath();
        Process p = process(env, workDir, args)
                .redirectOutput(outFile.toFile())
                .redirectError(errFile.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("recorder " + List.of(args) + " did not finish within 60 s");
        }
        return new Result(
                p.exitValue(),
                java.nio.file.Files.readString(outFile, StandardCharsets.UTF_8),
                java.nio.file.Files.readString(errFile, StandardCharsets.UTF_8));
    }
}
