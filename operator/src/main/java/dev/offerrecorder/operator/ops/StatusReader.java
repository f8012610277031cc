package dev.offerrecorder.operator.ops;

import dev.offerrecorder.shared.api.ApiObservationSummary;
import dev.offerrecorder.shared.aws.QueueCounts;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.rawlog.RawLogKeys;
import dev.offerrecorder.shared.run.RunManifest;
import dev.offerrecorder.shared.table.TableKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Reads a stack's state from what is observable: SQS queue attributes, raw-log objects
 * ({@code raw/dt=D/run=RUN/part-*.jsonl.gz}) and the table's Parquet files ({@code offer_recordings/dt=D/}).
 */
public final class StatusReader {
    public static final String JOBS = "jobs";
    public static final String JOB_DLQ = "jobs DLQ";
    public static final String FANOUT = "fan-out";
    public static final String FANOUT_DLQ = "fan-out DLQ";
    public static final String TRANSFORM = "transform";
    public static final String TRANSFORM_DLQ = "transform DLQ";
    /** The window of the "recent" rate that an ETA is computed from. */
    static final Duration RECENT = Duration.ofMinutes(1);

    private final StackInfo stack;
    private final SqsClient sqs;
    private final S3Client s3;
    private final ObjectCounter counter;
    private final Clock clock;

    public StatusReader(StackInfo stack, SqsClient sqs, S3Client s3, ObjectCounter counter, Clock clock) {
        this.stack = stack;
        this.sqs = sqs;
        this.s3 = s3;
        this.counter = counter;
        this.clock = clock;
    }

    /**
     * @param partitions how many of the latest {@code dt=} partitions to count (0: none)
     * @param runId      a run to report on, or null
     * @param planned    the run's planned jobs when known better than its manifest, or null
     */
    public StackStatus read(int partitions, String runId, Long planned) {
        List<StackStatus.Queue> queues = queues();
        List<StackStatus.Partition> counted = partitions > 0 ? partitions(partitions) : List.of();
        StackStatus.Run run = runId == null ? null : run(runId, planned);
        return new StackStatus(stack.location(), clock.instant(), queues, counted, run);
    }

    public List<StackStatus.Queue> queues() {
        List<StackStatus.Queue> queues = new ArrayList<>();
        queues.add(queue(JOBS, stack.jobQueueUrl()));
        queues.add(queue(JOB_DLQ, stack.jobDlqUrl()));
        queues.add(queue(FANOUT, stack.fanoutQueueUrl()));
        if (stack.fanoutDlqUrl() != null) {
            queues.add(queue(FANOUT_DLQ, stack.fanoutDlqUrl()));
        }
        queues.add(queue(TRANSFORM, stack.transformQueueUrl()));
        if (stack.transformDlqUrl() != null) {
            queues.add(queue(TRANSFORM_DLQ, stack.transformDlqUrl()));
        }
        return queues;
    }

    /** One queue's counts, under a display name. */
    public StackStatus.Queue queue(String name, String url) {
        QueueCounts c = QueueCounts.read(sqs, url);
        return new StackStatus.Queue(name, url, c.visible(), c.inFlight(), c.delayed());
    }

    /** The latest {@code last} partitions that have raw logs or Parquet, oldest first. */
    public List<StackStatus.Partition> partitions(int last) {
        TreeSet<LocalDate> dates = new TreeSet<>(dtPartitions(stack.rawBucket(), RawLogKeys.PREFIX));
        dates.addAll(dtPartitions(stack.platformBucket(), TableKeys.TABLE_PREFIX));
        List<LocalDate> latest = new ArrayList<>(dates.descendingSet()).subList(0, Math.min(last, dates.size()));
        List<StackStatus.Partition> out = new ArrayList<>();
        for (LocalDate dt : latest.reversed()) {
            List<S3Object> raw = list(stack.rawBucket(), RawLogKeys.PREFIX + "dt=" + dt + "/", RawLogKeys.SUFFIX);
            List<S3Object> parquet =
                    list(stack.platformBucket(), TableKeys.TABLE_PREFIX + "dt=" + dt + "/", ".parquet");
            long lines = counter.raw(stack.rawBucket(), raw).stream()
                    .mapToLong(ObjectCounter.RawCount::lines)
                    .sum();
            long rows = counter.parquetRows(stack.platformBucket(), parquet).stream()
                    .mapToLong(Long::longValue)
                    .sum();
            out.add(new StackStatus.Partition(dt, raw.size(), lines, parquet.size(), rows));
        }
        return out;
    }

    public StackStatus.Run run(String runId, Long plannedOverride) {
        Job.requireId("runId", runId);
        Optional<RunManifest> manifest = RunManifest.read(s3, stack.rawBucket(), runId);
        List<LocalDate> dates = dtPartitions(stack.rawBucket(), RawLogKeys.PREFIX).stream()
                .filter(d -> manifest.map(m -> !d.isBefore(m.from()) && !d.isAfter(m.to()))
                        .orElse(true))
                .toList();
        Map<LocalDate, List<S3Object>> byDate = new TreeMap<>();
        List<S3Object> all = new ArrayList<>();
        for (LocalDate dt : dates) {
            List<S3Object> objects =
                    list(stack.rawBucket(), RawLogKeys.PREFIX + "dt=" + dt + "/run=" + runId + "/", RawLogKeys.SUFFIX);
            if (!objects.isEmpty()) {
                byDate.put(dt, objects);
                all.addAll(objects);
            }
        }
        List<ObjectCounter.RawCount> counts = counter.raw(stack.rawBucket(), all);
        long records = counts.stream().mapToLong(ObjectCounter.RawCount::lines).sum();
        long recorded = distinct(counts);
        List<StackStatus.RunPartition> partitions = new ArrayList<>();
        int i = 0;
        for (var e : byDate.entrySet()) {
            long lines = 0;
            for (int n = 0; n < e.getValue().size(); n++) {
                lines += counts.get(i++).lines();
            }
            partitions.add(new StackStatus.RunPartition(e.getKey(), e.getValue().size(), lines));
        }

        Instant now = clock.instant();
        Instant firstWrite =
                all.stream().map(S3Object::lastModified).min(Instant::compareTo).orElse(null);
        Instant lastWrite =
                all.stream().map(S3Object::lastModified).max(Instant::compareTo).orElse(null);
        Instant started = manifest.map(RunManifest::startedAt).orElse(firstWrite);
        Instant windowStart = now.minus(RECENT);
        if (started != null && started.isAfter(windowStart)) {
            windowStart = started;
        }
        long recentRecords = 0;
        for (int n = 0; n < all.size(); n++) {
            if (!all.get(n).lastModified().isBefore(windowStart.minusSeconds(1))) {
                recentRecords += counts.get(n).lines();
            }
        }
        double windowSeconds = Math.max(1, Duration.between(windowStart, now).toMillis() / 1000.0);
        double recent = recentRecords / windowSeconds;
        double average = started == null || lastWrite == null
                ? 0
                : recorded / Math.max(1, Duration.between(started, lastWrite).toMillis() / 1000.0);

        Long planned = plannedOverride != null
                ? plannedOverride
                : manifest.map(RunManifest::jobsPlanned).orElse(null);
        String plannedFrom = plannedOverride != null ? "argument" : manifest.isPresent() ? "manifest" : null;
        Long eta = planned != null && recorded < planned && recent > 0
                ? (long) Math.ceil((planned - recorded) / recent)
                : null;
        return new StackStatus.Run(
                runId,
                planned,
                plannedFrom,
                recorded,
                records,
                all.size(),
                started,
                lastWrite,
                round(recent),
                round(average),
                eta,
                partitions,
                api(runId));
    }

    /** What the run's workers saw of the API: every summary under {@code api-observations/run=RUN/}, merged. */
    public ApiReport api(String runId) {
        List<S3Object> objects = list(stack.rawBucket(), ApiObservationSummary.prefix(runId), ".json");
        return ApiReport.of(counter.apiObservations(stack.rawBucket(), objects).stream()
                .flatMap(Optional::stream)
                .toList());
    }

    /** The dates of the {@code dt=YYYY-MM-DD/} folders right under a prefix, from one delimited listing. */
    private List<LocalDate> dtPartitions(String bucket, String prefix) {
        List<LocalDate> dates = new ArrayList<>();
        for (CommonPrefix p : s3.listObjectsV2Paginator(
                        r -> r.bucket(bucket).prefix(prefix).delimiter("/"))
                .commonPrefixes()) {
            String folder = p.prefix().substring(prefix.length());
            if (folder.startsWith("dt=") && folder.endsWith("/")) {
                try {
                    dates.add(LocalDate.parse(folder.substring(3, folder.length() - 1)));
                } catch (DateTimeParseException e) {
                    // Not a partition folder: not ours to count.
                }
            }
        }
        return dates;
    }

    private List<S3Object> list(String bucket, String prefix, String suffix) {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .filter(o -> o.key().endsWith(suffix))
                .toList();
    }

    private static long distinct(List<ObjectCounter.RawCount> counts) {
        long[] all =
                counts.stream().flatMapToLong(c -> Arrays.stream(c.jobHashes())).toArray();
        Arrays.sort(all);
        long distinct = 0;
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                distinct++;
            }
        }
        return distinct;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
