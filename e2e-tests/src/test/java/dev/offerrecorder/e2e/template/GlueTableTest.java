package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.table.TableKeys;
import dev.offerrecorder.testkit.support.RepoFiles;
import dev.offerrecorder.transform.OfferColumns;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Glue table template.yaml declares is the table the transform writes: the same columns, in the same order,
 * with the types Athena reads the Parquet as (OfferColumns builds the writer's schema; QueryRecipesTest pins
 * docs/athena.sql to the files themselves), and partition projection on dt over the transform's prefix.
 */
class GlueTableTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load();

    private static String athenaType(OfferColumns.Type type) {
        return switch (type) {
            case STRING -> "string";
            case INT32 -> "int";
            case INT64 -> "bigint";
            case DOUBLE -> "double";
            case BOOLEAN -> "boolean";
            case DATE -> "date";
            case TIMESTAMP -> "timestamp";
        };
    }

    private static Map<String, Object> tableInput() {
        return Cfn.map(TEMPLATE.properties("OfferRecordingsTable").get("TableInput"));
    }

    @Test
    void columnsAreTheWritersSchemaAndTheHandMadeDdls() throws Exception {
        Map<String, String> writer = new LinkedHashMap<>();
        OfferColumns.TABLE.forEach(c -> writer.put(c.name(), athenaType(c.type())));
        Map<String, String> glue = new LinkedHashMap<>();
        for (Object column :
                Cfn.list(Cfn.map(tableInput().get("StorageDescriptor")).get("Columns"))) {
            Map<String, Object> c = Cfn.map(column);
            glue.put(String.valueOf(c.get("Name")), String.valueOf(c.get("Type")));
        }
        assertEquals(writer, glue, "Glue columns vs the transform's Parquet schema");

        String ddl = Files.readString(RepoFiles.root().resolve("docs/athena.sql"));
        Matcher body = Pattern.compile("offer_recordings \\((.*?)\\)\\s*PARTITIONED BY", Pattern.DOTALL)
                .matcher(ddl);
        assertTrue(body.find());
        Map<String, String> athena = new LinkedHashMap<>();
        for (String line : body.group(1).split(",")) {
            String[] parts = line.trim().split("\\s+");
            athena.put(parts[0], parts[1]);
        }
        assertEquals(athena, glue, "Glue columns vs docs/athena.sql");
    }

    @Test
    void partitionsAreProjectedOnDtUnderTheTablePrefix() {
        Map<String, Object> input = tableInput();
        assertEquals("offer_recordings", input.get("Name"));
        assertEquals("EXTERNAL_TABLE", input.get("TableType"));
        assertEquals(
                Map.of("Name", "dt", "Type", "string"),
                Cfn.map(Cfn.list(input.get("PartitionKeys")).get(0)));
        Map<String, Object> parameters = Cfn.map(input.get("Parameters"));
        assertEquals("true", parameters.get("projection.enabled"));
        assertEquals("date", parameters.get("projection.dt.type"));
        assertEquals("yyyy-MM-dd", parameters.get("projection.dt.format"));
        assertEquals(
                Map.of("Fn::Sub", "s3://${PlatformBucket}/" + TableKeys.TABLE_PREFIX + "dt=${!dt}/"),
                parameters.get("storage.location.template"));
        Map<String, Object> storage = Cfn.map(input.get("StorageDescriptor"));
        assertEquals(Map.of("Fn::Sub", "s3://${PlatformBucket}/" + TableKeys.TABLE_PREFIX), storage.get("Location"));
        assertEquals(
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                Cfn.map(storage.get("SerdeInfo")).get("SerializationLibrary"));
        assertTrue(Cfn.isRef(TEMPLATE.properties("OfferRecordingsTable").get("DatabaseName"), "CatalogDatabase"));
    }
}
