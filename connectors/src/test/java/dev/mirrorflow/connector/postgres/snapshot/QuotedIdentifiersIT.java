package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.setup.SourceSetup;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.connector.postgres.stream.StreamLoop;
import dev.mirrorflow.connector.postgres.stream.ChangeStreamSettings;
import dev.mirrorflow.connector.postgres.stream.PostgresChangeStream;
import dev.mirrorflow.model.TableSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Tables and columns whose names PostgreSQL only takes in double quotes, mirrored exactly through
 * the publication, the initial load, the change stream and the destination's DDL and merges.
 */
class QuotedIdentifiersIT extends SnapshotFixture {

    // Slot names are cluster-wide: a suffix keeps concurrent runs of this test apart.
    private static final String SLOT = "mirrorflow_quoted_" + ScratchDatabase.randomSuffix();
    private static final String PUBLICATION = "mirrorflow_quoted";

    /** The tables as a spec stores them, in the written form the parser produces. */
    private static final List<TableSpec> SPEC_TABLES = List.of(
            new TableSpec("public.\"Order Items\"", "\"Archive\".\"Order Items\"", List.of("Qty Value")),
            new TableSpec("\"Sales\".\"Q1\"", "\"Sales\".\"Q1\"", List.of()),
            new TableSpec("public.\"données\"", "public.\"données\"", List.of()),
            new TableSpec("public.\"a$b\"", "public.\"a$b\"", List.of()));

    /** Each source table's compared columns (in SQL) and its ordering key. */
    private static final String ORDER_ITEMS_COLUMNS = "\"Order Id\", \"Line\", \"Note\", \"say \"\"hi\"\"\", \"MixedCase\"";

    @Test
    void shouldMirrorTablesAndColumnsWithQuotedNamesExactly() throws Exception {
        execute(sourceDatabase, """
                CREATE TABLE "Order Items" (
                    "Order Id" int, "Line" int, "Qty Value" numeric(10,2), "Note" text, "say ""hi\""" text,
                    "MixedCase" text, PRIMARY KEY ("Order Id", "Line"));
                CREATE SCHEMA "Sales";
                CREATE TYPE "Sales"."Order Status" AS ENUM ('New', 'Shipped Out');
                CREATE TABLE "Sales"."Q1" (id int PRIMARY KEY, "Amount" numeric(12,2), "Status" "Sales"."Order Status");
                CREATE TABLE "données" (id int PRIMARY KEY, "prénom" text);
                CREATE TABLE a$b (id int PRIMARY KEY, "v" text);
                INSERT INTO "Order Items" SELECT g / 10, g % 10, g * 1.5, 'note ' || g, 'hi ' || g, 'Mixed ' || g
                  FROM generate_series(1, 500) g;
                INSERT INTO "Sales"."Q1" SELECT g, g * 2.25, 'New' FROM generate_series(1, 200) g;
                INSERT INTO "données" SELECT g, 'Zoë ' || g FROM generate_series(1, 200) g;
                INSERT INTO a$b SELECT g, 'v' || g FROM generate_series(1, 200) g""");
        List<TableMapping> mappings = SPEC_TABLES.stream()
                .map(t -> new TableMapping(TableId.parse(t.source()), TableId.parse(t.destination()), new HashSet<>(t.exclude())))
                .toList();
        List<TableId> sources = mappings.stream().map(TableMapping::source).toList();
        assertThat(sources).containsExactly(new TableId("public", "Order Items"), new TableId("Sales", "Q1"),
                new TableId("public", "données"), new TableId("public", "a$b"));

        assertThat(SourceSetup.ensurePublication(ScratchPeers.of(sourceDatabase),
                new MirrorSource("quoted", sources, PUBLICATION, SLOT))).containsExactlyElementsOf(sources);
        execute(sourceDatabase, "SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");

        try (Connection sql = sourceDatabase.connect(); PostgresDestination destination = destination()) {
            Map<TableId, TableSchema> schemas = new SourceSchemaReader(sql).read(sources);
            destination.prepare("quoted", mappings, sources.stream().map(schemas::get).toList());
            // A row the destination has already sends its partition through the staging table's upsert.
            execute(destinationDatabase, "INSERT INTO \"Archive\".\"Order Items\" VALUES (0, 1, 'stale', 'stale', 'stale')");
            List<TableLoad> loads = mappings.stream().map(m -> new TableLoad(m, schemas.get(m.source()))).toList();
            SnapshotLoadResult loaded = loader(2, 100).run(newLoad(), loads, Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);
            assertThat(loaded.isComplete()).isTrue();
            assertThat(loaded.rowsCopied()).isEqualTo(500 + 200 * 3);
            assertThat(loaded.partitions()).extracting(PartitionCopy::how).contains(PartitionCopy.How.UPSERTED);
            assertMirrored();

            execute(sourceDatabase, """
                    INSERT INTO "Order Items" VALUES (900, 1, 9.99, 'new', 'new "hi"', 'New');
                    UPDATE "Order Items" SET "Note" = 'changed', "say ""hi\""" = NULL WHERE "Line" = 3;
                    UPDATE "Order Items" SET "Line" = 42, "MixedCase" = 'key changed' WHERE "Order Id" = 7 AND "Line" = 5;
                    UPDATE "Order Items" SET "Qty Value" = 0 WHERE "Order Id" = 8;
                    DELETE FROM "Order Items" WHERE "Line" = 9;
                    INSERT INTO "Sales"."Q1" VALUES (1001, 1.00, NULL);
                    UPDATE "Sales"."Q1" SET "Amount" = -1, "Status" = 'Shipped Out' WHERE id % 3 = 0;
                    UPDATE "Sales"."Q1" SET id = 5000 WHERE id = 10;
                    DELETE FROM "Sales"."Q1" WHERE id % 7 = 0;
                    INSERT INTO "données" VALUES (1001, 'Ærøskøbing');
                    UPDATE "données" SET "prénom" = 'Chloé' WHERE id % 4 = 0;
                    UPDATE "données" SET id = 6000 WHERE id = 11;
                    DELETE FROM "données" WHERE id % 5 = 0;
                    INSERT INTO a$b VALUES (1001, 'dollar');
                    UPDATE a$b SET v = 'changed' WHERE id % 6 = 0;
                    UPDATE a$b SET id = 7000 WHERE id = 12;
                    DELETE FROM a$b WHERE id % 8 = 0""");
            streamUntilCaughtUp(sql, destination);
        }
        assertMirrored();
        assertThat(columnsOf(destinationDatabase, "Archive", "Order Items"))
                .as("the excluded column is not created")
                .containsExactly("Order Id", "Line", "Note", "say \"hi\"", "MixedCase");
        assertThat(rows(destinationDatabase, "SELECT " + ORDER_ITEMS_COLUMNS + " FROM \"Archive\".\"Order Items\""
                + " WHERE \"Order Id\" = 7 AND \"Line\" = 42")).containsExactly("(7,42,\"note 75\",\"hi 75\",\"key changed\")");
    }

    private void assertMirrored() throws SQLException {
        assertThat(rows(destinationDatabase, "SELECT " + ORDER_ITEMS_COLUMNS + " FROM \"Archive\".\"Order Items\""
                + " ORDER BY 1, 2"))
                .isEqualTo(rows(sourceDatabase, "SELECT " + ORDER_ITEMS_COLUMNS + " FROM \"Order Items\" ORDER BY 1, 2"))
                .isNotEmpty();
        for (String table : List.of("\"Sales\".\"Q1\"", "\"données\"", "a$b")) {
            String query = "SELECT * FROM " + table + " ORDER BY id";
            assertThat(rows(destinationDatabase, query)).as(table).isEqualTo(rows(sourceDatabase, query)).isNotEmpty();
        }
    }

    /** Each row of a query as PostgreSQL writes it as text, in the query's order. */
    private static List<String> rows(ScratchDatabase db, String query) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT r::text FROM (" + query + ") r")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    private static List<String> columnsOf(ScratchDatabase db, String schema, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
                        + " ORDER BY ordinal_position")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    private PostgresDestination destination() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(destinationDatabase.jdbcUrl());
        ds.setUser(ScratchDatabase.USER);
        ds.setPassword(ScratchDatabase.PASSWORD);
        return new PostgresDestination(ds);
    }

    /** Streams until the destination has everything the source had committed when called. */
    private void streamUntilCaughtUp(Connection sql, PostgresDestination destination) throws Exception {
        Lsn target;
        try (Statement st = sql.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            target = Lsn.valueOf(rs.getString(1));
        }
        ChangeStreamSettings settings = new ChangeStreamSettings(SLOT, PUBLICATION, 500, Duration.ofMillis(200),
                Duration.ofMillis(500), Duration.ofSeconds(1));
        Lsn from = destination.checkpoint("quoted").map(Lsn::valueOf).orElse(Lsn.INVALID);
        try (Connection repl = ScratchPeers.of(sourceDatabase).connectForReplication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings, from, 1)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            new StreamLoop("quoted").run(stream, destination,
                    () -> stream.confirmedPosition().compareTo(target) >= 0 || System.nanoTime() > deadline,
                    () -> {}, (b, r, s, e) -> {});
        }
    }
}
