package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.rawlog.RawRecord;
import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.junit.WithEmbeddedStack;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One invocation's batch of raw objects becomes one Parquet file per date, named by its inputs: the real handler on
 * the embedded S3, its table read back with DuckDB, compacted with the real compaction.
 */
@WithEmbeddedStack
class TransformBatchTest {
    @TempDir
    static Path dir;

    static EmbeddedStack stack;

    private static final Instant AT = Instant.parse("2034-01-02T00:00:00Z");

    private static List<String> files(LocalDate date) {
        return stack
                .s3()
                .listObjectsV2Paginator(r -> r.bucket(stack.layout().platformBucket())
                        .prefix(TransformService.partitionPrefix(date.toString())))
                .contents()
                .stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    /** An object as a worker batch writes it: {@code shops} answers of one run for one date. */
    private static String object(String run, LocalDate date, int index, int shops) {
        List<RawRecord> records = new ArrayList<>();
        for (int s = 1; s <= shops; s++) {
            records.add(RawObjects.ok(run, "o" + index + "-s" + s, date, s, AT));
        }
        String key = "raw/dt=" + date + "/run=" + run + "/part-" + index + ".jsonl.gz";
        RawObjects.put(stack, key, RawObjects.gzipRecords(records));
        return key;
    }

    private static long rows(LocalDate date) throws Exception {
        return (Long) RawObjects.query(stack, "SELECT count(*) AS n FROM {table} WHERE dt = DATE '" + date + "'")
                .getFirst()
                .get("n");
    }

    private static TransformHandler handler(String work) throws Exception {
        return new TransformHandler(stack.transformEnv(Files.createDirectories(dir.resolve(work))));
    }

    private static List<String> failed(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .toList();
    }

    private static CompactionResult compact(LocalDate date) throws Exception {
        return new CompactionService(
                        stack.s3(),
                        stack.layout().platformBucket(),
                        Files.createDirectories(dir.resolve("compact")),
                        128L * 1024 * 1024,
                        new JsonLog("test", new PrintStream(OutputStream.nullOutputStream())))
                .compact(date);
    }

    @Test
    void aBatchOfTwoDatesBecomesOneFilePerDateAndARedeliveryRewritesTheSameFiles() throws Exception {
        LocalDate d1 = LocalDate.of(2034, 1, 1);
        LocalDate d2 = LocalDate.of(2034, 1, 2);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            keys.add(object("batch", i < 6 ? d1 : d2, i, 20));
        }
        List<String> delivered = new ArrayList<>(keys);
        delivered.add(keys.getFirst()); // S3 may notify twice: one object, read once
        SQSEvent event = RawObjects.sqsEvent(stack.layout().rawBucket(), delivered.toArray(String[]::new));
        var handler = handler("work-a");
        assertEquals(List.of(), failed(handler.handleRequest(event, RawObjects.context())));

        List<String> d1Files = files(d1);
        List<String> d2Files = files(d2);
        assertEquals(1, d1Files.size(), d1Files.toString());
        assertEquals(1, d2Files.size(), d2Files.toString());
        assertEquals(
                d1Files.getFirst().substring(d1Files.getFirst().lastIndexOf('/')),
                d2Files.getFirst().substring(d2Files.getFirst().lastIndexOf('/')),
                "one part name per batch");
        assertEquals(120, rows(d1));
        assertEquals(80, rows(d2));
        assertEquals(
                List.of(Map.of("objects", 6L)),
                RawObjects.query(
                        stack,
                        "SELECT count(DISTINCT source_object) AS objects FROM {table} WHERE dt = DATE '" + d1 + "'"));
        assertTrue(
                !stack.s3()
                        .listObjectsV2(r -> r.bucket(stack.layout().platformBucket())
                                .prefix(TableKeys.COMPACTION_PENDING_PREFIX + "dt=" + d2 + "/"))
                        .contents()
                        .isEmpty(),
                "the partition is marked for compaction");

        // Redelivered, in another order and on another container: the same names, overwritten.
        List<String> reversed = new ArrayList<>(keys.reversed());
        handler("work-b")
                .handleRequest(
                        RawObjects.sqsEvent(stack.layout().rawBucket(), reversed.toArray(String[]::new)),
                        RawObjects.context());
        assertEquals(d1Files, files(d1));
        assertEquals(d2Files, files(d2));
        assertEquals(120, rows(d1));

        CompactionResult compacted = compact(d1);
        assertEquals(120, compacted.rowsIn());
        assertEquals(120, compacted.rowsOut());
        assertEquals(120, rows(d1));
    }

    @Test
    void anUnreadableObjectFailsItsMessageAloneAndARetryInAnotherBatchIsDedupedByCompaction() throws Exception {
        LocalDate date = LocalDate.of(2034, 2, 1);
        String a = object("miss", date, 1, 10);
        String missing = "raw/dt=" + date + "/run=miss/part-2.jsonl.gz";
        String c = object("miss", date, 3, 10);
        SQSBatchResponse response = handler("work-c")
                .handleRequest(RawObjects.sqsEvent(stack.layout().rawBucket(), a, missing, c), RawObjects.context());
        assertEquals(List.of("msg-1"), failed(response), "only the missing object's message is retried");
        assertEquals(1, files(date).size());
        assertEquals(20, rows(date), "the readable objects land");

        // The object appears; its retry comes in a batch with a redelivered notification of an object that landed.
        RawObjects.put(stack, missing, RawObjects.gzipRecords(List.of(RawObjects.ok("miss", "late", date, 1, AT))));
        assertEquals(
                List.of(),
                failed(handler("work-c")
                        .handleRequest(
                                RawObjects.sqsEvent(stack.layout().rawBucket(), missing, a), RawObjects.context())));
        assertEquals(2, files(date).size(), "another batch, another name");
        assertEquals(31, rows(date), "object a's rows twice until compaction");

        CompactionResult compacted = compact(date);
        assertEquals(10, compacted.duplicatesDropped());
        assertEquals(21, rows(date));
    }

    @Test
    void aBadLineIsQuarantinedWithItsObjectAndEveryOtherRowLands() throws Exception {
        LocalDate date = LocalDate.of(2034, 3, 1);
        String good = object("q", date, 1, 5);
        String mixed = "raw/dt=" + date + "/run=q/part-2.jsonl.gz";
        RawObjects.put(
                stack,
                mixed,
                RawObjects.gzip(List.of(
                        RawObjects.line(RawObjects.ok("q", "m1", date, 1, AT)),
                        "{\"v\":1,\"broken",
                        RawObjects.line(RawObjects.ok("q", "m2", date, 2, AT)))));
        assertEquals(
                List.of(),
                failed(handler("work-q")
                        .handleRequest(
                                RawObjects.sqsEvent(stack.layout().rawBucket(), good, mixed), RawObjects.context())));
        assertEquals(1, files(date).size());
        assertEquals(7, rows(date));
        String quarantine = stack.s3()
                .getObjectAsBytes(r -> r.bucket(stack.layout().platformBucket()).key("quarantine/" + mixed + ".jsonl"))
                .asUtf8String();
        assertEquals(1, quarantine.lines().count(), quarantine);
        assertTrue(quarantine.contains("\"line\":2") && quarantine.contains("not valid JSON"), quarantine);
        assertTrue(
                stack.s3()
                        .listObjectsV2(
                                r -> r.bucket(stack.layout().platformBucket()).prefix("quarantine/" + good))
                        .contents()
                        .isEmpty(),
                "no quarantine for a clean object");
    }

    /**
     * A transfer that breaks after some of the object's rows were written: the batch is converted again without
     * it, so none of its rows land under this batch's name (its retry lands them all, once).
     */
    @Test
    void anObjectWhoseTransferBreaksMidwayLeavesNoRowsBehind() throws Exception {
        LocalDate date = LocalDate.of(2034, 4, 1);
        String a = object("cut", date, 1, 300);
        String broken = object("cut", date, 2, 300);
        long size = stack.s3()
                .headObject(r -> r.bucket(stack.layout().rawBucket()).key(broken))
                .contentLength();
        var cutting = new CompactionTest.DelegatingS3(stack.s3()) {
            @Override
            public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
                ResponseInputStream<GetObjectResponse> in = super.getObject(request);
                if (!request.key().equals(broken)) {
                    return in;
                }
                return new ResponseInputStream<>(in.response(), new FilterInputStream(in) {
                    long read;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (read >= size * 2 / 3) {
                            throw new IOException("connection reset (test)");
                        }
                        int n = super.read(b, off, (int) Math.min(len, size * 2 / 3 - read));
                        read += Math.max(n, 0);
                        return n;
                    }
                });
            }
        };
        var log = new ByteArrayOutputStream();
        var service = new TransformService(
                cutting,
                stack.layout().platformBucket(),
                Files.createDirectories(dir.resolve("work-cut")),
                new JsonLog("transform", new PrintStream(log, true, StandardCharsets.UTF_8)));
        TransformService.BatchResult result = service.transform(List.of(
                new TransformService.Source(stack.layout().rawBucket(), a),
                new TransformService.Source(stack.layout().rawBucket(), broken)));

        assertEquals(
                List.of(broken),
                result.failed().keySet().stream()
                        .map(TransformService.Source::key)
                        .toList());
        assertTrue(
                log.toString(StandardCharsets.UTF_8).contains("converting the batch again without it"),
                "rows of the broken object had been written before it broke: " + log);
        assertEquals(1, result.objects().size());
        assertEquals(
                List.of(Map.of("n", 300L, "objects", 1L)),
                RawObjects.query(
                        stack,
                        "SELECT count(*) AS n, count(DISTINCT source_object) AS objects FROM {table} WHERE dt = DATE '"
                                + date + "'"));
    }
}
