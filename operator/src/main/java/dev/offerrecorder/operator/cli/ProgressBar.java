package dev.offerrecorder.operator.cli;

import java.io.PrintWriter;

/** A one-line progress bar, redrawn in place on a terminal; elsewhere a plain line every few seconds. */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private static final long PLAIN_EVERY_NANOS = 2_000_000_000L;
    private final PrintWriter out;
    private final long total;
    private final boolean terminal;
    private long lastPlain;
    private boolean drawn;

    public ProgressBar(PrintWriter out, long total, boolean terminal) {
        this.out = out;
        this.total = Math.max(1, total);
        this.terminal = terminal;
    }

    public void update(long done, String detail) {
        long shown = Math.max(0, Math.min(done, total));
        int filled = (int) (WIDTH * shown / total);
        String line =
                "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + 100 * shown / total + "% " + detail;
        if (terminal) {
            out.print("\r" + line + "\033[K");
            out.flush();
            drawn = true;
        } else if (lastPlain == 0 || System.nanoTime() - lastPlain > PLAIN_EVERY_NANOS) {
            out.println(line);
            out.flush();
            lastPlain = System.nanoTime();
        }
    }

    public void done() {
        if (terminal && drawn) {
            out.println();
            out.flush();
        }
    }
}
