package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.postgres.stream.StreamLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Column-level schema changes at the source while a mirror streams (ADD COLUMN with defaults,
 * RENAME COLUMN, generated columns), through the real change stream into a real destination.
 * Each test ends with the destination equal to the source, row for row, or with a clear failure.
 */
@Timeout(120)
class SourceColumnChangesIT {

    private static final String SLOT = "mirrorflow_cols_" + ScratchDatabase.randomSuffix();
    private static final String PUBLICATION = "mirrorflow_cols";
    private static final TableId ITEMS = new TableId("public", "items");

    private ScratchDatabase source;
    private ScratchDatabase destinationDb;
    private Connection sql;
    private List<TableMapping> mappings;

    @BeforeEach
    void databases() throws SQLException {
        source = ScratchDatabase.create("mirrorflow_cols_src");
        destinationDb = ScratchDatabase.create("mirrorflow_cols_dst");
        sql = source.connect();
        source.execute(
                "CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL, note text)",
                "INSERT INTO items SELECT g, g * 10, 'item ' || g FROM generate_series(1, 5) g",
                "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
        mappings = List.of(new TableMapping(ITEMS, ITEMS, Set.of()));
    }

    @AfterEach
    void drop() throws SQLException {
        sql.close();
        source.close();
        destinationDb.close();
    }

    @Test
    void shouldGiveExistingRowsTheValueOfANonVolatileDefaultTheSourceAdded() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            source.execute("UPDATE items SET note = 'streamed before' WHERE id = 1");
            streamUntilCaughtUp(destination);

            // The insert before the ALTERs travels in the same batch as the new columns, in the
            // shape without them; its row existed when they were added.
            source.execute("INSERT INTO items VALUES (6, 60, 'inserted just before')",
                    "ALTER TABLE items ADD COLUMN seven int DEFAULT 7",
                    "ALTER TABLE items ADD COLUMN required int NOT NULL DEFAULT 7",
                    "ALTER TABLE items ADD COLUMN added_at timestamptz DEFAULT now()",
                    "ALTER TABLE items ADD COLUMN label text DEFAULT 'it''s, \"quoted\" {x}'",
                    "ALTER TABLE items ADD COLUMN area box DEFAULT '(1,1),(0,0)'",
                    "ALTER TABLE items ADD COLUMN plain int",
                    "INSERT INTO items VALUES (7, 70, 'after', 8, 9, '2020-01-01 00:00:00+00', 'new', '(2,2),(0,0)', 1)",
                    "UPDATE items SET qty = qty + 1 WHERE id = 2");
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
        assertThat(rows(destinationDb)).contains("(1,10,\"streamed before\",7,7,");
        assertThat(count(destinationDb, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items'"
                + " AND column_default IS NOT NULL")).as("the defaults only filled the existing rows").isZero();
    }

    @Test
    void shouldGiveExistingRowsTheDefaultsValueWhenTheStreamRestartsAfterTheColumnWasAdded() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            source.execute("UPDATE items SET note = 'streamed before' WHERE id = 1");
            streamUntilCaughtUp(destination);
        }
        // The mirror is stopped while the source changes: its next start prepares the destination
        // from the source's shape now and then replays the changes made since its checkpoint.
        source.execute("INSERT INTO items VALUES (6, 60, 'while stopped')",
                "ALTER TABLE items ADD COLUMN seven int NOT NULL DEFAULT 7",
                "INSERT INTO items VALUES (7, 70, 'after', 8)");
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values()));
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
    }

    @Test
    void shouldGiveExistingRowsOfAPartitionedTableTheValueItsPartitionsKeep() throws Exception {
        TableId parts = new TableId("public", "parts");
        source.execute("CREATE TABLE parts (id int PRIMARY KEY, v text) PARTITION BY RANGE (id)",
                "CREATE TABLE parts_low PARTITION OF parts FOR VALUES FROM (0) TO (100)",
                "CREATE TABLE parts_high PARTITION OF parts FOR VALUES FROM (100) TO (200)",
                "INSERT INTO parts VALUES (1, 'low'), (150, 'high')");
        List<TableMapping> partsOnly = List.of(new TableMapping(parts, parts, Set.of()));
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", partsOnly, List.copyOf(new SourceSchemaReader(sql).read(List.of(parts)).values()));
            destinationDb.execute("INSERT INTO parts VALUES (1, 'low'), (150, 'high')");
            // The partitioned table itself keeps no missing value; each of its partitions does.
            source.execute("ALTER TABLE parts ADD COLUMN seven int DEFAULT 7");
            destination.prepare("m", partsOnly, List.copyOf(new SourceSchemaReader(sql).read(List.of(parts)).values()));
        }
        assertThat(rows(destinationDb, "*", "parts")).isEqualTo(rows(source, "*", "parts")).isEqualTo("(1,low,7);(150,high,7)");
    }

    @Test
    void shouldFailNamingTheTableAndColumnWhenAVolatileDefaultRewroteTheSourceRows() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            source.execute("ALTER TABLE items ADD COLUMN score float8 DEFAULT random()",
                    "INSERT INTO items VALUES (6, 60, 'after', 0.5)");
            assertThatThrownBy(() -> streamUntilCaughtUp(destination))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("column score of source table public.items")
                    .hasMessageContaining("random()")
                    .hasMessageContaining("resync the mirror")
                    .message().doesNotContain("\n");
        }
        assertThat(count(destinationDb, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'score'"))
                .as("nothing half-done").isZero();
    }

    @Test
    void shouldRenameTheDestinationColumnWithItsDataWhenTheSourceRenamesOne() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            streamUntilCaughtUp(destination);
            // The update before the rename is in the batch that renames, in the old shape.
            source.execute("UPDATE items SET qty = 11 WHERE id = 1",
                    "ALTER TABLE items RENAME COLUMN qty TO quantity",
                    "UPDATE items SET quantity = 22 WHERE id = 2",
                    "INSERT INTO items VALUES (6, 60, 'after')");
            streamUntilCaughtUp(destination);
            // Names swapped between two columns, while streaming.
            source.execute("ALTER TABLE items RENAME COLUMN quantity TO swap",
                    "ALTER TABLE items RENAME COLUMN note TO quantity",
                    "ALTER TABLE items RENAME COLUMN swap TO note",
                    "UPDATE items SET note = 33 WHERE id = 3");
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
        assertThat(columns(destinationDb)).isEqualTo(columns(source)).isEqualTo("id,note,quantity");
    }

    @Test
    void shouldRenameTheDestinationColumnWhenTheStreamRestartsAfterTheRename() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            streamUntilCaughtUp(destination);
        }
        // Replayed after the restart: a change made before the rename, whose Relation message
        // still names the column qty, and changes after it.
        source.execute("UPDATE items SET qty = 11 WHERE id = 1",
                "ALTER TABLE items RENAME COLUMN qty TO quantity",
                "UPDATE items SET quantity = 22 WHERE id = 2");
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values()));
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
        assertThat(columns(destinationDb)).isEqualTo("id,quantity,note");
    }

    @Test
    void shouldFollowAColumnThroughSeveralRenamesAndAnAddedColumnWhileTheMirrorWasStopped() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            streamUntilCaughtUp(destination);
        }
        // Each change is replayed with the Relation message of its time; none names the column
        // as the catalog does now.
        source.execute("UPDATE items SET qty = 11 WHERE id = 1",
                "ALTER TABLE items RENAME COLUMN qty TO quantity",
                "UPDATE items SET quantity = 22 WHERE id = 2",
                "ALTER TABLE items RENAME COLUMN quantity TO amount",
                "INSERT INTO items VALUES (6, 60, 'six')",
                "ALTER TABLE items ADD COLUMN five int DEFAULT 5",
                "UPDATE items SET amount = 33 WHERE id = 3",
                "ALTER TABLE items RENAME COLUMN note TO remark",
                "UPDATE items SET remark = 'renamed too' WHERE id = 4");
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values()));
            streamUntilCaughtUp(destination);
        }
        assertThat(columns(destinationDb)).isEqualTo("id,amount,remark,five");
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
    }

    @Test
    void shouldRenameAColumnOfAMirrorPreparedBeforeSourceColumnsWereRecorded() throws Exception {
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
        }
        // A mirror prepared by an earlier mirrorflow has no record of its columns' sources.
        destinationDb.execute("DELETE FROM _mirrorflow.source_columns");
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values()));
            source.execute("ALTER TABLE items RENAME COLUMN qty TO quantity",
                    "UPDATE items SET quantity = 22 WHERE id = 2");
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
        assertThat(columns(destinationDb)).isEqualTo("id,quantity,note");
    }

    @Test
    void shouldKeepExcludingAColumnTheSourceRenamed() throws Exception {
        mappings = List.of(new TableMapping(ITEMS, ITEMS, Set.of("note")));
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            source.execute("ALTER TABLE items RENAME COLUMN note TO secret",
                    "INSERT INTO items VALUES (6, 60, 'not for the destination')");
            streamUntilCaughtUp(destination);
        }
        // And after a restart, which prepares from the source's shape now.
        source.execute("UPDATE items SET secret = 'still not' WHERE id = 1");
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values()));
            streamUntilCaughtUp(destination);
        }
        assertThat(columns(destinationDb)).isEqualTo("id,qty");
        assertThat(rows(destinationDb)).isEqualTo(rows(source, "id, qty"));
    }

    @Test
    void shouldComputeGeneratedColumnsAtTheDestinationFromTheStreamedColumns() throws Exception {
        source.execute("ALTER TABLE items ADD COLUMN total int GENERATED ALWAYS AS (qty * 2) STORED",
                "ALTER TABLE items ADD COLUMN shout text GENERATED ALWAYS AS (upper(note)) STORED",
                "ALTER TABLE items ADD COLUMN after int");
        try (PostgresDestination destination = destination()) {
            prepareAndCopy(destination);
            source.execute("INSERT INTO items (id, qty, note, after) VALUES (6, 60, 'six', 1)",
                    "UPDATE items SET qty = 11 WHERE id = 1",
                    "DELETE FROM items WHERE id = 2");
            streamUntilCaughtUp(destination);
        }
        assertThat(columns(destinationDb)).isEqualTo("id,qty,note,total,shout,after");
        assertThat(rows(destinationDb)).isEqualTo(rows(source)).contains("(1,11,\"item 1\",22,\"ITEM 1\",)");

        // One added while streaming is not in the stream's shapes; the next start adds it.
        source.execute("ALTER TABLE items ADD COLUMN more int GENERATED ALWAYS AS (qty + 1) STORED",
                "UPDATE items SET qty = 12 WHERE id = 1");
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values()));
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb)).isEqualTo(rows(source));
    }

    @Test
    void shouldRefuseInOneLineAGeneratedColumnWhoseExpressionTheDestinationCannotCreate() throws Exception {
        source.execute("CREATE FUNCTION doubled(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2'",
                "ALTER TABLE items ADD COLUMN total int GENERATED ALWAYS AS (doubled(qty)) STORED");
        try (PostgresDestination destination = destination()) {
            assertThatThrownBy(() -> destination.prepare("m", mappings,
                    List.copyOf(new SourceSchemaReader(sql).read(List.of(ITEMS)).values())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("generated column(s) total AS (doubled(qty))")
                    .hasMessageContaining("function doubled(integer) does not exist")
                    .hasMessageContaining("create what the expression needs at the destination")
                    .message().doesNotContain("\n");
        }
        assertThat(count(destinationDb, "SELECT count(*) FROM pg_tables WHERE tablename = 'items'")).isZero();
    }

    /** Prepares the destination from the source's shape and copies the rows the source has now. */
    private void prepareAndCopy(PostgresDestination destination) throws SQLException {
        var schemas = new SourceSchemaReader(sql).read(List.of(ITEMS));
        destination.prepare("m", mappings, List.copyOf(schemas.values()));
        // A stand-in for the initial load, which SnapshotLoaderIT covers: the rows so far, written
        // through the columns the destination does not compute.
        List<String> copied = new ArrayList<>();
        schemas.get(ITEMS).columns().stream()
                .filter(c -> !c.isGenerated() && !mappings.get(0).excludedColumns().contains(c.name()))
                .forEach(c -> copied.add(c.name()));
        String list = String.join(", ", copied);
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT string_agg(format('(%s)', concat_ws(', ', " + copied.stream()
                        .map(c -> "quote_nullable(" + c + ")").reduce((a, b) -> a + ", " + b).orElseThrow()
                        + ")), ', ') FROM items")) {
            rs.next();
            destinationDb.execute("INSERT INTO items (" + list + ") VALUES " + rs.getString(1));
        }
    }

    private PostgresDestination destination() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(destinationDb.jdbcUrl());
        ds.setUser(ScratchDatabase.USER);
        ds.setPassword(ScratchDatabase.PASSWORD);
        return new PostgresDestination(ds);
    }

    /** Streams until the destination has everything the source had committed when called. */
    private void streamUntilCaughtUp(PostgresDestination destination) throws Exception {
        Lsn target = SlotPositions.read(sql, SLOT, 5).orElseThrow().current();
        Lsn from = destination.checkpoint("m").map(Lsn::valueOf).orElse(Lsn.INVALID);
        ChangeStreamSettings settings = new ChangeStreamSettings(SLOT, PUBLICATION, 500, Duration.ofMillis(200),
                Duration.ofMillis(500), Duration.ofSeconds(1));
        try (Connection repl = ScratchPeers.of(source).connectForReplication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings, from, 1)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            new StreamLoop("m").run(stream, destination,
                    () -> stream.confirmedPosition().compareTo(target) >= 0 || System.nanoTime() > deadline,
                    () -> {}, (b, r, s, e) -> {});
            assertThat(stream.confirmedPosition()).as("caught up within 60 s").isGreaterThanOrEqualTo(target);
        }
    }

    private static String rows(ScratchDatabase db) throws SQLException {
        return rows(db, "*");
    }

    /** Every row as text, in key order: equal texts mean equal tables, value for value. */
    private static String rows(ScratchDatabase db, String columns) throws SQLException {
        return rows(db, columns, "items");
    }

    private static String rows(ScratchDatabase db, String columns, String table) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT string_agg(r::text, ';' ORDER BY id) FROM (SELECT " + columns + " FROM " + table + ") r")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String columns(ScratchDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute"
                        + " WHERE attrelid = 'items'::regclass AND attnum > 0 AND NOT attisdropped")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
