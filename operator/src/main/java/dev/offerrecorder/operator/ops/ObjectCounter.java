package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.api.ApiObservationSummary;
import dev.offerrecorder.shared.json.Json;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Counts what objects hold: records (lines) of raw logs, with a 64-bit hash per job so a run's distinct jobs can
 * be counted across objects; and rows of Parquet files, from their footers (two ranged GETs, not the whole
 * file). Objects are read in parallel and remembered by key and ETag, so a repeated status only reads new ones.
 */
public final class ObjectCounter implements AutoCloseable {
    static final int PARALLEL_READS = 16;

    /** One raw-log object: its lines, and a hash of (shop, date) per line. */
    public record RawCount(long lines, long[] jobHashes) {}

    private final S3Client s3;
    private final ObjectMapper mapper = Json.newMapper();
    private final ExecutorService pool = Executors.newFixedThreadPool(
            PARALLEL_READS, Thread.ofPlatform().daemon().name("s3-read-", 0).factory());
    private final Map<String, RawCount> rawCache = new ConcurrentHashMap<>();
    private final Map<String, Long> parquetCache = new ConcurrentHashMap<>();
    private final Map<String, java.util.Optional<ApiObservationSummary>> apiCache = new ConcurrentHashMap<>();

    public ObjectCounter(S3Client s3) {
        this.s3 = s3;
    }

    public List<RawCount> raw(String bucket, List<S3Object> objects) {
        return parallel(objects, o -> rawCache.computeIfAbsent(cacheKey(bucket, o), k -> readRaw(bucket, o)));
    }

    public List<Long> parquetRows(String bucket, List<S3Object> objects) {
        return parallel(objects, o -> parquetCache.computeIfAbsent(cacheKey(bucket, o), k -> footerRows(bucket, o)));
    }

    /** The workers' API observation summaries; an object that is not one is skipped (empty), not an error. */
    public List<java.util.Optional<ApiObservationSummary>> apiObservations(String bucket, List<S3Object> objects) {
        return parallel(
                objects,
                o -> apiCache.computeIfAbsent(
                        cacheKey(bucket, o),
                        k -> ApiObservationSummary.decode(
                                s3.getObjectAsBytes(r -> r.bucket(bucket).key(o.key()))
                                        .asByteArray())));
    }

    private RawCount readRaw(String bucket, S3Object o) {
        byte[] gz = s3.getObjectAsBytes(r -> r.bucket(bucket).key(o.key())).asByteArray();
        List<Long> hashes = new ArrayList<>();
        long lines = 0;
        try (var in = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                JsonNode record = mapper.readTree(line);
                hashes.add(jobHash(
                        record.path("shopId").asText(),
                        record.path("targetDate").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("s3://" + bucket + "/" + o.key() + " is not a gzip JSON Lines raw log", e);
        }
        return new RawCount(lines, hashes.stream().mapToLong(Long::longValue).toArray());
    }

    private long footerRows(String bucket, S3Object o) {
        long size = o.size();
        if (size < 12) {
            throw new IllegalStateException("s3://" + bucket + "/" + o.key() + " is too small to be Parquet");
        }
        byte[] tail = range(bucket, o.key(), size - ParquetFooter.TAIL, size - 1);
        long footerLength = ParquetFooter.length(tail)
                .orElseThrow(
                        () -> new IllegalStateException("s3://" + bucket + "/" + o.key() + " has no Parquet footer"));
        byte[] footer = range(bucket, o.key(), size - ParquetFooter.TAIL - footerLength, size - ParquetFooter.TAIL - 1);
        try {
            return ParquetFooter.rows(footer);
        } catch (IOException e) {
            throw new UncheckedIOException("s3://" + bucket + "/" + o.key() + " has an unreadable Parquet footer", e);
        }
    }

    private byte[] range(String bucket, String key, long first, long last) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).range("bytes=" + first + "-" + last))
                .asByteArray();
    }

    /** FNV-1a over "shop|date": 64 bits make a collision among a run's jobs vanishingly unlikely. */
    static long jobHash(String shopId, String date) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (shopId + "|" + date).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static String cacheKey(String bucket, S3Object o) {
        return bucket + "/" + o.key() + "#" + o.eTag();
    }

    private interface Reader<T> {
        T read(S3Object o);
    }

    private <T> List<T> parallel(List<S3Object> objects, Reader<T> reader) {
        List<Future<T>> futures = new ArrayList<>(objects.size());
        for (S3Object o : objects) {
            futures.add(pool.submit(() -> reader.read(o)));
        }
        List<T> results = new ArrayList<>(objects.size());
        try {
            for (Future<T> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            futures.forEach(f -> f.cancel(true));
            throw new IllegalStateException("interrupted while reading objects", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
        return results;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
