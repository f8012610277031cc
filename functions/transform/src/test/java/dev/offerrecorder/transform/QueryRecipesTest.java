package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.support.RepoFiles;
import dev.offerrecorder.testkit.support.Table;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/query-recipes.md and its files must describe the table the transform really writes. */
class QueryRecipesTest {
    private static final Map<String, String> ATHENA_TYPE = Map.of(
            "VARCHAR",
            "string",
            "DATE",
            "date",
            "BIGINT",
            "bigint",
            "INTEGER",
            "int",
            "DOUBLE",
            "double",
            "BOOLEAN",
            "boolean",
            "TIMESTAMP WITH TIME ZONE",
            "timestamp");

    @TempDir
    Path dir;

    /** A small table on local disk in the transform's layout, written by the transform's own converter. */
    private Path table() throws Exception {
        LocalDate date = LocalDate.of(2024, 1, 31);
        Instant at = Instant.parse("2024-02-01T00:00:00Z");
        byte[] raw = RawObjects.gzipRecords(List.of(
                RawObjects.ok("r", "1", date, 10, at),
                RawObjects.ok("r2", "1", date, 20, at.plusSeconds(5)),
                RawObjects.notFound("r", "2", date, at)));
        Path tableDir = dir.resolve("offer_recordings");
        try (var writer = new ParquetPartitionWriter(dir.resolve("work"));
                var quarantine = new QuarantineFile(dir.resolve("work"), "src")) {
            new RawLogConverter().convert(new ByteArrayInputStream(raw), raw.length, "src", writer, quarantine);
            for (var w : writer.finish()) {
                Path partition = Files.createDirectories(tableDir.resolve("dt=" + w.date()));
                Files.copy(w.file(), partition.resolve("part-test.parquet"));
            }
        }
        return tableDir;
    }

    @Test
    void athenaDdlDeclaresEveryColumnWithTheTypeInTheFiles() throws Exception {
        Path tableDir = table();
        Map<String, String> expected = new LinkedHashMap<>();
        for (var row : Table.query(tableDir, "DESCRIBE SELECT * EXCLUDE (dt) FROM {table}")) {
            String type = (String) row.get("column_type");
            expected.put((String) row.get("column_name"), ATHENA_TYPE.getOrDefault(type, "unmapped " + type));
        }
        String ddl = Files.readString(RepoFiles.root().resolve("docs/athena.sql"));
        Matcher body = Pattern.compile(
                        "CREATE EXTERNAL TABLE IF NOT EXISTS offer_recordings \\((.*?)\\)\\s*"
                                + "PARTITIONED BY \\(dt string\\)",
                        Pattern.DOTALL)
                .matcher(ddl);
        assertTrue(body.find(), "athena.sql has the CREATE EXTERNAL TABLE ... PARTITIONED BY (dt string)");
        Map<String, String> declared = new LinkedHashMap<>();
        for (String line : body.group(1).split(",")) {
            String[] parts = line.trim().split("\\s+");
            declared.put(parts[0], parts[1]);
        }
        assertEquals(expected, declared, "docs/athena.sql columns vs the Parquet the transform writes");
        for (String property : List.of(
                "'projection.enabled' = 'true'",
                "'projection.dt.type' = 'date'",
                "'projection.dt.format' = 'yyyy-MM-dd'",
                "'projection.dt.range' = '2000-01-01,NOW'",
                "'storage.location.template' = 's3://PLATFORM_BUCKET/offer_recordings/dt=${dt}/'",
                "LOCATION 's3://PLATFORM_BUCKET/offer_recordings/'",
                "STORED AS PARQUET")) {
            assertTrue(ddl.contains(property), "athena.sql lacks " + property);
        }
    }

    @Test
    void bigQueryDefinitionUsesHivePartitioningOnTheLayout() throws Exception {
        JsonNode def = Json.newMapper()
                .readTree(RepoFiles.root().resolve("docs/bigquery-table.json").toFile());
        assertEquals("PARQUET", def.path("sourceFormat").asText());
        assertEquals(
                "gs://PLATFORM_BUCKET/offer_recordings/*",
                def.path("sourceUris").path(0).asText());
        assertEquals("CUSTOM", def.path("hivePartitioningOptions").path("mode").asText());
        assertEquals(
                "gs://PLATFORM_BUCKET/offer_recordings/{dt:DATE}",
                def.path("hivePartitioningOptions").path("sourceUriPrefix").asText());
    }

    @Test
    void theDuckDbRecipesRunOnTheTransformsOutput() throws Exception {
        Path tableDir = table();
        String recipes = Files.readString(RepoFiles.root().resolve("docs/query-recipes.md"));
        Matcher oneLiner = Pattern.compile("duckdb -c \"(SELECT dt, count\\(\\*\\) AS rows.*?)\"")
                .matcher(recipes);
        assertTrue(oneLiner.find(), "query-recipes.md has the DuckDB one-liner");
        String sql =
                oneLiner.group(1).replace("data/demo/s3/offer-recorder-platform/offer_recordings", tableDir.toString());
        var rows = Table.query(tableDir, sql);
        assertEquals(1, rows.size(), rows.toString());
        assertEquals(3L, rows.getFirst().get("rows"));
        assertEquals(2L, rows.getFirst().get("shops"));
        assertEquals("30", String.valueOf(rows.getFirst().get("total")));

        Matcher latest = Pattern.compile(
                        "(SELECT \\* FROM read_parquet\\('…/offer_recordings/\\*/\\*\\.parquet'.*?;)", Pattern.DOTALL)
                .matcher(recipes);
        assertTrue(latest.find(), "query-recipes.md has the DuckDB latest-per-job recipe");
        var dedup = Table.query(
                tableDir,
                "SELECT shop_id, run_id FROM ("
                        + latest.group(1)
                                .replace("…/offer_recordings", tableDir.toString())
                                .replace(";", "") + ") ORDER BY shop_id");
        assertEquals(List.of(Map.of("shop_id", "1", "run_id", "r2"), Map.of("shop_id", "2", "run_id", "r")), dedup);
    }
}
