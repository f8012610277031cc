package dev.offerrecorder.shared.table;

/**
 * Where the data platform's table lives in the platform bucket: Hive partitions
 * {@code offer_recordings/dt=YYYY-MM-DD/part-HASH.parquet}, and raw lines that could not become rows under
 * {@code quarantine/}. The transform writes there; the operator CLI and the local stack read there.
 */
public final class TableKeys {
    public static final String TABLE_PREFIX = "offer_recordings/";
    public static final String QUARANTINE_PREFIX = "quarantine/";

    private TableKeys() {}
}
