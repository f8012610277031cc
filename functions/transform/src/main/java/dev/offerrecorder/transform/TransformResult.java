package dev.offerrecorder.transform;

import java.util.List;

/** Counts for one raw object: every line read is either a row written or a line quarantined. */
public record TransformResult(String source, long linesIn, long rowsOut, long quarantined, List<String> outputs,
                              String quarantineObject) {
}
