package dev.offerrecorder.testkit.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the Parquet table from disk with DuckDB, an independent reader, as a data engineer would. */
public final class Table {
    private Table() {}

    /** Rows of {@code SELECT <select> FROM the table} as column-name maps. */
    public static List<Map<String, Object>> query(Path tableDir, String select) throws SQLException {
        String source =
                "read_parquet('" + tableDir.toString().replace("'", "''") + "/**/*.parquet', hive_partitioning = true)";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                var st = c.createStatement();
                ResultSet rs = st.executeQuery(select.replace("{table}", source))) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }
}
