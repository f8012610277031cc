package dev.offerrecorder.transform;

import static dev.offerrecorder.shared.table.TableKeys.QUARANTINE_PREFIX;
import static dev.offerrecorder.shared.table.TableKeys.TABLE_PREFIX;

import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.naming.Digests;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Converts a batch of raw-log objects into <b>one</b> Parquet file per date partition,
 * {@code offer_recordings/dt=YYYY-MM-DD/part-HASH.parquet} in the platform bucket (a date whose file had to be
 * closed early, when more than {@link ParquetPartitionWriter#MAX_OPEN_PARTITIONS} dates were open at once, also
 * gets {@code part-HASH-1.parquet}, ...). HASH is a digest of the sorted input URIs with the ETag each was read
 * at, so a redelivered batch overwrites its own output instead of adding a copy. Lines that cannot become rows go
 * to {@code quarantine/<source key>.jsonl} (one file per input object) with reason, source and line number. Each
 * partition written gets a compaction marker after its parts ({@link CompactionMarkers}), so the next scheduled
 * compaction dedupes it. Parquet is spilled to {@code workDir} while written, so memory does not grow with the
 * input.
 *
 * <p>An input object that cannot be read ({@link SourceReadException}: S3 refuses it, the transfer breaks) is left
 * out and reported in {@link BatchResult#failed()}, so its message alone is retried, and the others land. Its rows
 * never land in this batch's file: if some were already written when it failed, the batch is converted again
 * without it (rare: S3 errors come before the first byte). So every input's rows land whole, under the name of a
 * batch that holds them; an input that lands twice (its message redelivered into another batch, or failed with
 * another object of the same message) lands as identical rows in two files of its partition, which compaction
 * reduces to one. Failing the whole batch instead would hold 99 good objects hostage to one bad one, each of them
 * creeping towards the DLQ with every retry. Any other failure (local disk, an upload) fails the whole batch.
 */
public final class TransformService {
    public static final String PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";

    private final S3Client s3;
    private final String platformBucket;
    private final Path workDir;
    private final RawLogConverter converter = new RawLogConverter();
    /** One ZSTD context per container, reused by every file (see ZstdPageCodec). */
    private final ZstdPageCodec codec = new ZstdPageCodec();

    private final CompactionMarkers markers;
    private final JsonLog log;

    public TransformService(S3Client s3, String platformBucket, Path workDir, JsonLog log) {
        this.s3 = s3;
        this.platformBucket = platformBucket;
        this.workDir = workDir;
        this.markers = new CompactionMarkers(s3, platformBucket);
        this.log = log;
    }

    /** One raw object a notification names. */
    public record Source(String bucket, String key) implements Comparable<Source> {
        public String uri() {
            return "s3://" + bucket + "/" + key;
        }

        @Override
        public int compareTo(Source o) {
            return uri().compareTo(o.uri());
        }
    }

    /**
     * What one batch did: the Parquet keys written, each landed object's counts, and the objects that could not
     * be read (their messages must be retried), with why.
     */
    public record BatchResult(List<String> outputs, List<TransformResult> objects, Map<Source, Exception> failed) {
        public BatchResult {
            outputs = List.copyOf(outputs);
            objects = List.copyOf(objects);
            failed = Map.copyOf(failed);
        }
    }

    /** One object converted into the batch's writer: what it was read at (its ETag) and which dates it wrote. */
    private record Converted(
            Source source,
            String etag,
            RawLogConverter.Counts counts,
            Set<LocalDate> dates,
            QuarantineFile quarantine) {}

    /** A batch of one: throws when the object cannot be read. */
    public TransformResult transform(String bucket, String key) throws IOException {
        BatchResult batch = transform(List.of(new Source(bucket, key)));
        if (!batch.failed().isEmpty()) {
            Exception e = batch.failed().values().iterator().next();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        return batch.objects().getFirst();
    }

    /** Converts every source (duplicates count once) into one file per partition; see the class comment. */
    public BatchResult transform(Collection<Source> requested) throws IOException {
        List<Source> sources = List.copyOf(new TreeSet<>(requested));
        Map<Source, Exception> failed = new LinkedHashMap<>();
        while (true) {
            BatchResult result = attempt(sources, failed);
            if (result != null) {
                return result;
            }
        }
    }

    /** One pass over the sources not yet failed; null when a failed object had rows written, so start again. */
    private BatchResult attempt(List<Source> sources, Map<Source, Exception> failed) throws IOException {
        List<Converted> done = new ArrayList<>();
        try (ParquetPartitionWriter writer = new ParquetPartitionWriter(workDir, codec)) {
            for (Source source : sources) {
                if (failed.containsKey(source)) {
                    continue;
                }
                long rowsBefore = writer.rows();
                QuarantineFile quarantine = new QuarantineFile(workDir, source.uri());
                try {
                    done.add(convert(source, writer, quarantine));
                } catch (SourceReadException | SdkException e) {
                    quarantine.close();
                    failed.put(source, e);
                    writer.takeDates();
                    if (writer.rows() != rowsBefore) {
                        log.warn(
                                "raw object failed after some of its rows were written; converting the batch again without it",
                                Map.of("source", source.uri(), "error", String.valueOf(e)));
                        return null;
                    }
                } catch (IOException | RuntimeException e) {
                    quarantine.close();
                    throw e;
                }
            }
            return upload(writer, done, failed);
        } finally {
            for (Converted c : done) {
                c.quarantine().close();
            }
        }
    }

    private Converted convert(Source source, ParquetPartitionWriter writer, QuarantineFile quarantine)
            throws IOException {
        try (ResponseInputStream<GetObjectResponse> raw =
                s3.getObject(r -> r.bucket(source.bucket()).key(source.key()))) {
            Long length = raw.response().contentLength();
            RawLogConverter.Counts counts = converter.convert(
                    new SourceStream(raw, source), length == null ? -1 : length, source.uri(), writer, quarantine);
            return new Converted(source, raw.response().eTag(), counts, writer.takeDates(), quarantine);
        }
    }

    private BatchResult upload(ParquetPartitionWriter writer, List<Converted> done, Map<Source, Exception> failed)
            throws IOException {
        List<String> inputs = new ArrayList<>();
        for (Converted c : done) {
            inputs.add(c.source().uri() + " " + c.etag());
        }
        String part = "part-" + Digests.ofLines(inputs, 8);
        Map<LocalDate, List<String>> outputs = new TreeMap<>();
        for (ParquetPartitionWriter.Written w : writer.finish()) {
            String outKey = partitionPrefix(w.date().toString()) + part + (w.segment() == 0 ? "" : "-" + w.segment())
                    + ".parquet";
            s3.putObject(
                    r -> r.bucket(platformBucket).key(outKey).contentType(PARQUET_CONTENT_TYPE),
                    RequestBody.fromFile(w.file()));
            outputs.computeIfAbsent(w.date(), d -> new ArrayList<>()).add(outKey);
        }
        // After the parts, never before: see CompactionMarkers for why this order cannot lose a part.
        for (LocalDate date : outputs.keySet()) {
            markers.mark(date, part);
        }
        List<TransformResult> results = new ArrayList<>();
        long lines = 0;
        long rows = 0;
        long quarantined = 0;
        for (Converted c : done) {
            String quarantineKey = null;
            if (c.quarantine().count() > 0) {
                quarantineKey = QUARANTINE_PREFIX + c.source().key() + ".jsonl";
                String qk = quarantineKey;
                s3.putObject(
                        r -> r.bucket(platformBucket).key(qk).contentType("application/x-ndjson"),
                        RequestBody.fromFile(c.quarantine().file()));
            }
            List<String> objectOutputs = new ArrayList<>();
            c.dates().forEach(d -> objectOutputs.addAll(outputs.getOrDefault(d, List.of())));
            RawLogConverter.Counts n = c.counts();
            var result = new TransformResult(
                    c.source().uri(),
                    n.linesIn(),
                    n.rowsOut(),
                    n.quarantined(),
                    n.reclassified(),
                    n.truncated(),
                    objectOutputs,
                    quarantineKey);
            if (n.quarantined() > 0 || n.reclassified() > 0) {
                log.warn(
                        "raw object transformed, lines quarantined or answers recorded as GARBAGE",
                        Map.of("result", result));
            }
            results.add(result);
            lines += n.linesIn();
            rows += n.rowsOut();
            quarantined += n.quarantined();
        }
        List<String> allOutputs =
                outputs.values().stream().flatMap(List::stream).toList();
        log.info(
                "transform done",
                Map.of(
                        "objects",
                        done.size(),
                        "objectsFailed",
                        failed.size(),
                        "linesIn",
                        lines,
                        "rowsOut",
                        rows,
                        "quarantined",
                        quarantined,
                        "outputs",
                        allOutputs));
        return new BatchResult(allOutputs, results, failed);
    }

    /** {@code offer_recordings/dt=DATE/}: one Hive partition of the table. */
    public static String partitionPrefix(String date) {
        return TABLE_PREFIX + "dt=" + date + "/";
    }

    /** The S3 body, its failures marked as the object's read failing (retry) rather than the batch's. */
    private static final class SourceStream extends FilterInputStream {
        private final Source source;

        SourceStream(InputStream in, Source source) {
            super(in);
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException | SdkException e) {
                throw failed(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException | SdkException e) {
                throw failed(e);
            }
        }

        private SourceReadException failed(Exception e) {
            return e instanceof SourceReadException s
                    ? s
                    : new SourceReadException("reading " + source.uri() + " failed: " + e, e);
        }
    }
}
