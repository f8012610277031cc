package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * One look at a stack: queue depths, what landed per partition, and optionally one run's progress.
 *
 * @param partitions the latest partitions, oldest first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StackStatus(String stack, Instant at, List<Queue> queues, List<Partition> partitions, Run run) {

    /** With nothing queued, jobs still missing will not come at any rate: no ETA then, whatever the recent rate. */
    public StackStatus {
        queues = List.copyOf(queues);
        partitions = List.copyOf(partitions);
        if (run != null && run.etaSeconds() != null && !run.complete() && drained(queues)) {
            run = new Run(
                    run.runId(),
                    run.planned(),
                    run.plannedFrom(),
                    run.recorded(),
                    run.records(),
                    run.objects(),
                    run.startedAt(),
                    run.lastRecordAt(),
                    run.recentPerSecond(),
                    run.averagePerSecond(),
                    null,
                    run.partitions(),
                    run.api());
        }
    }

    /** A queue's approximate counts, as SQS reports them. */
    public record Queue(String name, String url, long visible, long inFlight, long delayed) {
        public long total() {
            return visible + inFlight + delayed;
        }
    }

    /** One {@code dt=} partition: raw-log objects and lines, and Parquet files and rows of the table. */
    public record Partition(LocalDate dt, long rawObjects, long rawRecords, long parquetFiles, long parquetRows) {}

    /** What one run wrote to one {@code dt=} partition of the recording bucket. */
    public record RunPartition(LocalDate dt, long objects, long records) {}

    /**
     * One run's progress.
     *
     * @param planned        jobs fan-out planned, from {@code runs/RUN.json} or given by the user; null if unknown
     * @param plannedFrom    where {@code planned} came from: "manifest", "argument", or null
     * @param recorded       distinct jobs with a raw-log record
     * @param records        raw-log lines (a job recorded twice counts twice; the transform keeps it once)
     * @param recentPerSecond jobs recorded per second over the last minute
     * @param etaSeconds     time left at the recent rate, when it can be told
     * @param api            what the run's workers saw of the API (knee, no-load latency, throughput, rejections)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(
            String runId,
            Long planned,
            String plannedFrom,
            long recorded,
            long records,
            long objects,
            Instant startedAt,
            Instant lastRecordAt,
            double recentPerSecond,
            double averagePerSecond,
            Long etaSeconds,
            List<RunPartition> partitions,
            ApiReport api) {
        public boolean complete() {
            return planned != null && recorded >= planned;
        }

        public long missing() {
            return planned == null ? 0 : Math.max(0, planned - recorded);
        }
    }

    public Queue queue(String name) {
        return queue(queues, name);
    }

    /** Nothing left to work on: the job and fan-out queues are empty, nothing in flight. */
    public boolean drained() {
        return drained(queues);
    }

    private static boolean drained(List<Queue> queues) {
        return queue(queues, StatusReader.JOBS).total() == 0
                && queue(queues, StatusReader.FANOUT).total() == 0;
    }

    private static Queue queue(List<Queue> queues, String name) {
        return queues.stream()
                .filter(q -> q.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no queue " + name + " in the status"));
    }
}
