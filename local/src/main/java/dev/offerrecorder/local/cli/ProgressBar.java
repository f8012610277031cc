package dev.offerrecorder.local.cli;

import java.io.PrintStream;

/** A one-line progress bar on stderr, redrawn in place; plain lines when stderr is not a terminal. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private final boolean terminal = System.console() != null;
    private long lastPlain;

    ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = Math.max(1, total);
    }

    void update(long done, String detail) {
        int filled = (int) Math.min(WIDTH, WIDTH * done / total);
        String line = "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + Math.min(100, 100 * done / total)
                + "% " + detail;
        if (terminal) {
            out.print("\r" + line + "   ");
        } else if (System.nanoTime() - lastPlain > 2_000_000_000L) {
            out.println(line);
            lastPlain = System.nanoTime();
        }
    }

    void done() {
        if (terminal) {
            out.println();
        }
    }
}
