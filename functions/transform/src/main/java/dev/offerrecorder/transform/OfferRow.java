package dev.offerrecorder.transform;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

/**
 * One row of {@code offer_recordings}: one value per column of {@link OfferColumns#TABLE}, in that order, each
 * of the column type's Java class (String, Integer, Long, Double, Boolean, LocalDate, Instant) or null.
 * Values are positional so that a column added to the table needs no change here. The array is owned by the
 * row: callers must not change it after construction.
 */
public record OfferRow(Object[] values) {
    private static final int SHOP_ID = OfferColumns.index("shop_id");
    private static final int TARGET_DATE = OfferColumns.index("target_date");
    private static final int RECORDED_AT = OfferColumns.index("recorded_at");
    private static final int RUN_ID = OfferColumns.index("run_id");

    public OfferRow {
        if (values.length != OfferColumns.TABLE.size()) {
            throw new IllegalArgumentException(
                    "a row of offer_recordings has " + OfferColumns.TABLE.size() + " values, got " + values.length);
        }
    }

    public Object get(String column) {
        return values[OfferColumns.index(column)];
    }

    public String shopId() {
        return (String) values[SHOP_ID];
    }

    public LocalDate targetDate() {
        return (LocalDate) values[TARGET_DATE];
    }

    public Instant recordedAt() {
        return (Instant) values[RECORDED_AT];
    }

    public String runId() {
        return (String) values[RUN_ID];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OfferRow other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("OfferRow[");
        List<OfferColumns.Column> table = OfferColumns.TABLE;
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ")
                    .append(table.get(i).name())
                    .append('=')
                    .append(values[i]);
        }
        return sb.append(']').toString();
    }
}
