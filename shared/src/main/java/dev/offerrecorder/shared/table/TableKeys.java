package dev.offerrecorder.shared.table;

/**
 * Where the data platform's table lives in the platform bucket: Hive partitions
 * {@code offer_recordings/dt=YYYY-MM-DD/part-HASH.parquet}, and raw lines that could not become rows under
 * {@code quarantine/}, and the compaction markers under {@code compaction-pending/}. The transform writes there; the operator CLI and the local stack read there.
 */
public final class TableKeys {
    public static final String TABLE_PREFIX = "offer_recordings/";
    public static final String QUARANTINE_PREFIX = "quarantine/";
    /**
     * Compaction markers, outside the table so readers never see them: {@code compaction-pending/dt=DATE/...}, one
     * empty object per transform write, cleared by the compaction that covered it.
     */
    public static final String COMPACTION_PENDING_PREFIX = "compaction-pending/";

    private TableKeys() {}
}
