package dev.offerrecorder.bench;

/**
 * One benchmark of {@code ./recorder bench}. It measures, prints its figures as it goes, and returns a Markdown
 * section for docs/benchmarks.md holding the figures (medians over {@code repeats} runs; comparisons as ratios
 * taken in the same run), the settings, and the command that reproduces it.
 */
public interface Benchmark {
    /** Short id used by {@code ./recorder bench --only ID}. */
    String id();

    /** Markdown section, starting with a "## " heading. */
    String run(int repeats) throws Exception;
}
