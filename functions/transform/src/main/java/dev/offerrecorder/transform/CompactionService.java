package dev.offerrecorder.transform;

import com.jerolba.carpet.CloseableIterator;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.naming.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Compacts one partition {@code offer_recordings/dt=DATE/}: rewrites its files into files of about the target
 * size holding one row per (shop_id, target_date), then deletes the files it read and clears the partition's
 * compaction markers it listed before reading ({@link CompactionMarkers}). {@link #compactPending} does this for
 * every marked partition, so backfilled days and parts re-created after a compaction are compacted too.
 *
 * <p>Which row is kept (the precedence): an answer of the API about the shop ({@code OK}, {@code NOT_FOUND})
 * beats an error row ({@code CLIENT_ERROR}, {@code GARBAGE}), whatever their times, so a definitive answer is
 * never replaced by a later error; within the same class the latest recorded_at wins. Rows not kept are counted
 * in the result and the log: {@code duplicatesDropped} when the kept row is of the same run (a redelivery or
 * retry), {@code supersededByRun} per run when it is of another run, so runs are never merged silently.
 *
 * <ul>
 *   <li>Outputs are named {@code compacted-HASH-N.parquet}, HASH a digest of the sorted input keys: never a
 *   transform part's name, and the same inputs give the same names, so a retried compaction overwrites its
 *   own output (and two compactions of the same listing write identical files).</li>
 *   <li>New files are written before any old one is deleted; only the files listed (and read) at the start are
 *   deleted, so a part a transform writes meanwhile survives for the next compaction. If deleting fails, the
 *   partition holds old and new rows until the next compaction, which dedupes them.</li>
 *   <li>A redelivered transform that rewrites a listed part while compaction runs loses nothing: the part's
 *   name and content are functions of its raw object, and the rows read before it was rewritten are in the
 *   output.</li>
 *   <li>A partition with no transform part and one generation of compacted files is already compact: skipped.</li>
 * </ul>
 *
 * Ties (same class and recorded_at) go to the row read last (inputs in key order, rows in file order), so the result is a
 * function of the inputs.
 */
public final class CompactionService {
    public static final String COMPACTED_PREFIX = "compacted-";
    private static final int DELETE_BATCH = 1000;

    private final S3Client s3;
    private final String bucket;
    private final Path workDir;
    private final long targetBytes;
    private final CompactionMarkers markers;
    private final JsonLog log;

    public CompactionService(S3Client s3, String bucket, Path workDir, long targetBytes, JsonLog log) {
        this.s3 = s3;
        this.bucket = bucket;
        this.workDir = workDir;
        this.targetBytes = targetBytes;
        this.markers = new CompactionMarkers(s3, bucket);
        this.log = log;
    }

    /** The row kept for a shop so far: its precedence, recorded_at in microseconds, where it is, and its run. */
    private record Pick(int rank, long recordedAtMicros, int file, int row, String runId) {
        boolean losesTo(int otherRank, long otherMicros) {
            return otherRank > rank || (otherRank == rank && otherMicros >= recordedAtMicros);
        }
    }

    /** Answers about the shop outrank error rows; an unknown outcome ranks last. */
    static int rank(String outcome) {
        if (outcome == null) {
            return 0;
        }
        return switch (outcome) {
            case "OK", "NOT_FOUND" -> 2;
            case "CLIENT_ERROR", "GARBAGE" -> 1;
            default -> 0;
        };
    }

    /**
     * Compacts every partition with a compaction marker dated {@code upTo} or earlier, oldest first, while
     * {@code haveTime} says a next partition still fits; a partition that fails is reported and the others go on.
     */
    public PendingCompaction compactPending(LocalDate upTo, java.util.function.BooleanSupplier haveTime) {
        List<LocalDate> pending =
                markers.pendingDates().stream().filter(d -> !d.isAfter(upTo)).toList();
        List<CompactionResult> done = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<LocalDate> remaining = new ArrayList<>();
        for (LocalDate date : pending) {
            if (!haveTime.getAsBoolean()) {
                remaining.add(date);
                continue;
            }
            try {
                done.add(compact(date));
            } catch (IOException | RuntimeException e) {
                log.error(
                        "compaction of a partition failed; its markers stay for the next run",
                        Map.of("date", date.toString(), "error", String.valueOf(e)));
                failed.add(date + ": " + e.getMessage());
            }
        }
        var result = new PendingCompaction(upTo, done, remaining, failed);
        if (!remaining.isEmpty()) {
            log.warn("compaction ran out of time; the next run continues", Map.of("remaining", remaining.toString()));
        }
        return result;
    }

    public CompactionResult compact(LocalDate date) throws IOException {
        String prefix = TransformService.partitionPrefix(date.toString());
        // Markers first, the partition after: the order CompactionMarkers relies on.
        List<String> marked = markers.list(date);
        List<S3Object> inputs = new ArrayList<>();
        for (S3Object o :
                s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
            String name = o.key().substring(prefix.length());
            if (!name.contains("/") && name.endsWith(".parquet")) {
                inputs.add(o);
            }
        }
        inputs.sort(Comparator.comparing(S3Object::key));
        List<String> keys = inputs.stream().map(S3Object::key).toList();
        long bytesIn = inputs.stream().mapToLong(S3Object::size).sum();

        String skip = skipReason(prefix, keys);
        if (skip != null) {
            markers.clear(marked);
            var result = new CompactionResult(
                    date,
                    prefix,
                    true,
                    skip,
                    keys.size(),
                    bytesIn,
                    0,
                    0,
                    0,
                    Map.of(),
                    List.of(),
                    0,
                    List.of(),
                    marked.size());
            log.info("compaction skipped", Map.of("result", result));
            return result;
        }

        String name = COMPACTED_PREFIX + digest(keys);
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), "compact-" + date + "-");
        try (SizedParquetWriter writer = new SizedParquetWriter(dir, name, targetBytes)) {
            List<Path> local = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                Path file = dir.resolve("input-" + i + ".parquet");
                String key = keys.get(i);
                s3.getObject(r -> r.bucket(bucket).key(key), ResponseTransformer.toFile(file));
                local.add(file);
            }

            // Pass 1 reads three columns only and keeps one small entry per shop: the partition is one date, so
            // shop_id alone is the key. A day of ~1.6M shops is ~1.6M entries (~200 MB of heap), fine for a
            // Lambda with 1-2 GB; full rows are never held, they stream through pass 2.
            Map<String, Pick> picks = new HashMap<>();
            Map<String, String> runIds = new HashMap<>(); // one String per run, not one per row
            long rowsIn = 0;
            for (int f = 0; f < local.size(); f++) {
                int row = 0;
                try (CloseableIterator<OfferParquet.DedupKey> it = OfferParquet.readKeys(local.get(f))) {
                    while (it.hasNext()) {
                        OfferParquet.DedupKey k = it.next();
                        if (!date.equals(k.targetDate())) {
                            throw new IllegalStateException(keys.get(f) + " row " + row + " has target_date "
                                    + k.targetDate() + " in partition dt=" + date + ": refusing to compact");
                        }
                        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, k.recordedAt());
                        int rank = rank(k.outcome());
                        Pick best = picks.get(k.shopId());
                        if (best == null || best.losesTo(rank, micros)) {
                            String run = k.runId() == null ? "" : runIds.computeIfAbsent(k.runId(), r -> r);
                            picks.put(k.shopId(), new Pick(rank, micros, f, row, run));
                        }
                        row++;
                    }
                }
                rowsIn += row;
            }

            // Pass 2 streams every row again and writes the picked ones.
            // A row not kept is a duplicate of its own run or superseded by another run's row: counted per run.
            long rowsOut = 0;
            long duplicates = 0;
            Map<String, Long> superseded = new TreeMap<>();
            for (int f = 0; f < local.size(); f++) {
                int row = 0;
                try (CloseableIterator<OfferRow> it = OfferParquet.read(local.get(f))) {
                    while (it.hasNext()) {
                        OfferRow r = it.next();
                        Pick p = picks.get(r.shopId());
                        if (p != null && p.file() == f && p.row() == row) {
                            writer.write(r);
                            rowsOut++;
                        } else if (p != null) {
                            String run = r.runId() == null ? "" : r.runId();
                            if (run.equals(p.runId())) {
                                duplicates++;
                            } else {
                                superseded.merge(run, 1L, Long::sum);
                            }
                        }
                        row++;
                    }
                }
                Files.delete(local.get(f));
            }
            if (rowsOut != picks.size()) {
                throw new IllegalStateException("compaction of " + prefix + " wrote " + rowsOut + " rows for "
                        + picks.size() + " shops: the inputs changed between the two passes");
            }

            List<String> outputs = new ArrayList<>();
            long bytesOut = 0;
            for (SizedParquetWriter.Output o : writer.finish()) {
                String key = prefix + o.file().getFileName();
                s3.putObject(
                        r -> r.bucket(bucket).key(key).contentType(TransformService.PARQUET_CONTENT_TYPE),
                        RequestBody.fromFile(o.file()));
                outputs.add(key);
                bytesOut += Files.size(o.file());
            }

            List<String> toDelete =
                    keys.stream().filter(k -> !outputs.contains(k)).toList();
            delete(toDelete);
            markers.clear(marked);
            var result = new CompactionResult(
                    date,
                    prefix,
                    false,
                    null,
                    keys.size(),
                    bytesIn,
                    rowsIn,
                    rowsOut,
                    duplicates,
                    superseded,
                    outputs,
                    bytesOut,
                    toDelete,
                    marked.size());
            if (superseded.isEmpty()) {
                log.info("compaction done", Map.of("result", result));
            } else {
                log.warn("compaction done, rows of other runs superseded", Map.of("result", result));
            }
            return result;
        } finally {
            deleteTree(dir);
        }
    }

    /** Why the partition needs no compaction, or null when it does. */
    private static String skipReason(String prefix, List<String> keys) {
        if (keys.isEmpty()) {
            return "no Parquet files under " + prefix;
        }
        Set<String> generations = new TreeSet<>();
        for (String k : keys) {
            String name = k.substring(prefix.length());
            if (!name.startsWith(COMPACTED_PREFIX)) {
                return null;
            }
            int dash = name.lastIndexOf('-');
            generations.add(dash > 0 ? name.substring(0, dash) : name);
        }
        return generations.size() == 1 ? "already compact: " + keys.size() + " compacted file(s), no new parts" : null;
    }

    private void delete(List<String> keys) {
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += DELETE_BATCH) {
            List<ObjectIdentifier> batch = keys.subList(i, Math.min(keys.size(), i + DELETE_BATCH)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build())
                    .toList();
            DeleteObjectsResponse response = s3.deleteObjects(
                    r -> r.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
            response.errors().forEach(e -> failed.add(e.key() + " (" + e.code() + ": " + e.message() + ")"));
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("compacted files are written, but deleting " + failed.size()
                    + " replaced file(s) failed; the partition holds both until the next compaction: " + failed);
        }
    }

    static String digest(List<String> sortedKeys) {
        return Digests.ofLines(sortedKeys, 8);
    }

    /** Best effort: a failure here must not hide the compaction's own outcome or error. */
    private void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn(
                    "could not clean up the work directory", Map.of("dir", dir.toString(), "error", String.valueOf(e)));
        }
    }
}
