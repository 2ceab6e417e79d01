package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.ForwardingDestination;
import dev.mirrorflow.connector.postgres.stream.StreamLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The change stream applied to a real PostgreSQL destination, with crashes in between. */
class StreamToDestinationIT {

    // Slot names are cluster-wide: a suffix keeps concurrent runs of this test apart.
    private static final String SLOT = "mirrorflow_s2d_" + ScratchDatabase.randomSuffix();
    private static final String PUBLICATION = "mirrorflow_s2d";
    private static final TableId ORDERS = new TableId("public", "orders");

    private ScratchDatabase source;
    private ScratchDatabase destinationDb;
    private Connection sql;
    private List<TableMapping> mappings;
    private Map<TableId, TableSchema> schemas;

    @BeforeEach
    void databases() throws SQLException {
        source = ScratchDatabase.create("mirrorflow_s2d_src");
        destinationDb = ScratchDatabase.create("mirrorflow_s2d_dst");
        sql = source.connect();
        source.execute(
                "CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text, price numeric(12,2))",
                "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE orders",
                "SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
        mappings = List.of(new TableMapping(ORDERS, ORDERS, Set.of()));
        schemas = new SourceSchemaReader(sql).read(List.of(ORDERS));
    }

    @AfterEach
    void drop() throws SQLException {
        sql.close();
        source.close();
        destinationDb.close();
    }

    private PostgresDestination destination() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(destinationDb.jdbcUrl());
        ds.setUser(ScratchDatabase.USER);
        ds.setPassword(ScratchDatabase.PASSWORD);
        return new PostgresDestination(ds);
    }

    private Connection replication() throws SQLException {
        return ScratchPeers.of(source).connectForReplication();
    }

    private ChangeStreamSettings settings() {
        return new ChangeStreamSettings(SLOT, PUBLICATION, 500, Duration.ofMillis(200), Duration.ofMillis(500),
                Duration.ofSeconds(1));
    }

    /** Streams until the destination has everything the source had committed when called. */
    private void streamUntilCaughtUp(Destination destination) throws Exception {
        streamUntilCaughtUp(destination, settings());
    }

    private void streamUntilCaughtUp(Destination destination, ChangeStreamSettings settings) throws Exception {
        Lsn target = currentWalLsn();
        Lsn from = destination.checkpoint("m").map(Lsn::valueOf).orElse(Lsn.INVALID);
        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings, from, 1)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            new StreamLoop("m").run(stream, destination,
                    () -> stream.confirmedPosition().compareTo(target) >= 0 || System.nanoTime() > deadline,
                    () -> {}, (b, r, s, e) -> {});
        }
    }

    @Test
    void shouldNeitherDuplicateNorLoseWhenCrashingAfterTheDestinationCommitBeforeTheAck() throws Exception {
        // Many source transactions, so that batches end on commits and the checkpoint moves.
        source.execute("""
                DO $$
                BEGIN
                  FOR s IN 0 .. 1900 BY 100 LOOP
                    INSERT INTO orders SELECT g, g, 'n' || g, g * 1.5 FROM generate_series(s + 1, s + 100) g;
                    COMMIT;
                  END LOOP;
                END $$""",
                "UPDATE orders SET qty = qty + 1 WHERE id % 3 = 0",
                "DELETE FROM orders WHERE id % 7 = 0");

        AtomicInteger applied = new AtomicInteger();
        try (PostgresDestination real = destination()) {
            real.prepare("m", mappings, List.copyOf(schemas.values()));
            // The worker dies right after the destination committed its second batch: the ack
            // to the source never happens.
            Destination crashing = new ForwardingDestination(real) {
                @Override
                public ApplyResult apply(String mirror, ChangeBatch batch) {
                    ApplyResult result = real.apply(mirror, batch);
                    if (applied.incrementAndGet() == 2) {
                        throw new IllegalStateException("worker killed after the destination commit");
                    }
                    return result;
                }
            };
            assertThatThrownBy(() -> streamUntilCaughtUp(crashing)).hasMessageContaining("worker killed");
            Lsn checkpoint = Lsn.valueOf(real.checkpoint("m").orElseThrow());
            assertThat(checkpoint.isValid()).as("the crashed batch moved the destination's checkpoint").isTrue();
            assertThat(confirmedFlush()).as("the source was not told").isLessThan(checkpoint);

            source.execute("INSERT INTO orders VALUES (100001, 1, 'after the crash', 1.00)",
                    "UPDATE orders SET note = 'changed after the crash' WHERE id = 1");
            streamUntilCaughtUp(real);
        }

        assertThat(count(destinationDb, "SELECT count(*) - count(DISTINCT id) FROM orders")).isZero();
        assertThat(checksum(destinationDb)).isEqualTo(checksum(source));
        assertThat(count(source, "SELECT count(*) FROM orders")).isEqualTo(2000 - 285 + 1);
    }

    @Test
    void shouldSkipTablesThePublicationHasBeyondTheMirrors() throws Exception {
        // A publication shared with something else, or left over: it has a table the mirror
        // does not map, and that table changes too.
        source.execute("CREATE TABLE audit (id int PRIMARY KEY, what text)",
                "ALTER PUBLICATION " + PUBLICATION + " ADD TABLE audit");
        ChangeStreamSettings mine = settings();
        mine = new ChangeStreamSettings(mine.slotName(), mine.publicationName(), mine.maxBatchRows(), mine.idleTimeout(),
                mine.statusInterval(), mine.heartbeatInterval(), Set.of(ORDERS));
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(schemas.values()));
            source.execute("INSERT INTO orders VALUES (1, 1, 'a', 1.00)",
                    "INSERT INTO audit VALUES (1, 'inserted order 1')",
                    "BEGIN; INSERT INTO audit VALUES (2, 'both'); UPDATE orders SET qty = 2 WHERE id = 1; COMMIT",
                    "TRUNCATE audit",
                    "INSERT INTO orders VALUES (2, 2, 'b', 2.00)");
            streamUntilCaughtUp(destination, mine);
        }
        assertThat(checksum(destinationDb)).isEqualTo(checksum(source));
        assertThat(count(destinationDb, "SELECT count(*) FROM pg_tables WHERE tablename = 'audit'")).isZero();
    }

    @Test
    void shouldAddAColumnAtTheDestinationWhenTheSourceGainsOne() throws Exception {
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(schemas.values()));
            source.execute("INSERT INTO orders VALUES (1, 1, 'before', 1.00)",
                    "ALTER TABLE orders ADD COLUMN shipped boolean",
                    "INSERT INTO orders VALUES (2, 2, 'after', 2.00, true)",
                    "UPDATE orders SET shipped = false WHERE id = 1");
            streamUntilCaughtUp(destination);
        }
        assertThat(checksum(destinationDb)).isEqualTo(checksum(source));
        assertThat(count(destinationDb, "SELECT count(*) FROM orders WHERE shipped IS NOT NULL")).isEqualTo(2);
    }

    @Test
    void shouldEvolveATableWhosePrimaryKeyIsDeclaredInAnotherOrderThanItsColumns() throws Exception {
        TableId lines = new TableId("public", "lines");
        source.execute("CREATE TABLE lines (a int, b int, v text, PRIMARY KEY (b, a))",
                "ALTER PUBLICATION " + PUBLICATION + " ADD TABLE lines");
        List<TableMapping> both = List.of(mappings.get(0), new TableMapping(lines, lines, Set.of()));
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", both, List.copyOf(new SourceSchemaReader(sql).read(List.of(ORDERS, lines)).values()));
            source.execute("INSERT INTO lines VALUES (1, 2, 'x')",
                    "ALTER TABLE lines ADD COLUMN w int",
                    "INSERT INTO lines VALUES (3, 4, 'y', 5)",
                    "UPDATE lines SET w = 6 WHERE a = 1");
            mappings = both;
            streamUntilCaughtUp(destination);
        }
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(l::text, ';' ORDER BY a) FROM lines l")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("(1,2,x,6);(3,4,y,5)");
        }
    }

    @Test
    void shouldStreamValuesExactlyWhateverOutputSettingsTheSourceDatabaseHas() throws Exception {
        // Settings a DBA may give the source database: they change how pgoutput prints values.
        source.execute("ALTER DATABASE " + source.name() + " SET IntervalStyle = 'sql_standard'",
                "ALTER DATABASE " + source.name() + " SET extra_float_digits = -10",
                "ALTER DATABASE " + source.name() + " SET bytea_output = 'escape'",
                "CREATE TABLE vals (id int PRIMARY KEY, iv interval, f float8, r real, b bytea)",
                "ALTER PUBLICATION " + PUBLICATION + " ADD TABLE vals");
        TableId vals = new TableId("public", "vals");
        List<TableMapping> both = List.of(mappings.get(0), new TableMapping(vals, vals, Set.of()));
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", both, List.copyOf(new SourceSchemaReader(sql).read(List.of(ORDERS, vals)).values()));
            source.execute("INSERT INTO vals VALUES (1, '-1 day -02:00:00', 0.1234567890123456789, 1.2345678,"
                    + " '\\x00ff5c27'), (2, '-5 days -01:00:00', 2.718281828459045, 3.4e38, 'abc')");
            mappings = both;
            streamUntilCaughtUp(destination);
        }
        String exact = "SELECT string_agg(id || ':' || extract(epoch FROM iv) || ':' || encode(float8send(f), 'hex') || ':'"
                + " || encode(float4send(r), 'hex') || ':' || encode(b, 'hex'), ';' ORDER BY id) FROM vals";
        assertThat(text(destinationDb, exact)).isEqualTo(text(source, exact))
                .startsWith("1:-93600.000000:");
    }

    private static String text(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void shouldAddEnumLabelsTheSourceGainsWhileStreaming() throws Exception {
        TableId moods = new TableId("public", "moods");
        source.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')",
                "CREATE TABLE moods (id int PRIMARY KEY, m mood, ms mood[])",
                "ALTER PUBLICATION " + PUBLICATION + " ADD TABLE moods");
        List<TableMapping> both = List.of(mappings.get(0), new TableMapping(moods, moods, Set.of()));
        ExecutorService runner = Executors.newSingleThreadExecutor();
        AtomicBoolean stop = new AtomicBoolean();
        try (PostgresDestination destination = destination(); Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(), Lsn.INVALID, 1)) {
            destination.prepare("m", both, List.copyOf(new SourceSchemaReader(sql).read(List.of(ORDERS, moods)).values()));
            Future<?> streaming = runner.submit(() -> new StreamLoop("m").run(stream, destination, stop::get,
                    () -> {}, (b, r, s, e) -> {}));
            source.execute("INSERT INTO moods VALUES (1, 'happy', '{sad}')");
            awaitConfirmed(stream, currentWalLsn(), streaming);

            // The stream has described the table already, and no new Relation message follows
            // these ALTER TYPEs: only the new values tell.
            source.execute("ALTER TYPE mood ADD VALUE 'content' BEFORE 'happy'",
                    "INSERT INTO moods VALUES (2, 'content', '{happy}')",
                    "ALTER TYPE mood ADD VALUE 'ecstatic'",
                    "UPDATE moods SET ms = '{sad,NULL,ecstatic}' WHERE id = 1");
            awaitConfirmed(stream, currentWalLsn(), streaming);
            stop.set(true);
            streaming.get(30, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            runner.shutdownNow();
        }
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(x::text, ';' ORDER BY id), enum_range(NULL::mood)::text"
                        + " FROM moods x")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("(1,happy,\"{sad,NULL,ecstatic}\");(2,content,{happy})");
            assertThat(rs.getString(2)).isEqualTo("{sad,content,happy,ecstatic}");
        }
    }

    /** Waits until the stream confirmed {@code target}; fails early with the runner's failure. */
    private static void awaitConfirmed(PostgresChangeStream stream, Lsn target, Future<?> streaming) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (stream.confirmedPosition().compareTo(target) < 0) {
            if (streaming.isDone()) {
                streaming.get();
                throw new AssertionError("the stream stopped before " + target);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the stream did not confirm " + target + " within 60 s");
            }
            Thread.sleep(50);
        }
    }

    @Test
    void shouldFailWithAClearMessageWhenAColumnChangesTypeInsteadOfDroppingData() throws Exception {
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.copyOf(schemas.values()));
            source.execute("INSERT INTO orders VALUES (1, 1, 'x', 1.00)",
                    "ALTER TABLE orders ALTER COLUMN qty TYPE bigint",
                    "INSERT INTO orders VALUES (2, 2, 'y', 2.00)");
            assertThatThrownBy(() -> streamUntilCaughtUp(destination))
                    .hasMessageContaining("qty")
                    .hasMessageContaining("resync");
        }
    }

    private Lsn currentWalLsn() throws SQLException {
        return SlotPositions.read(sql, SLOT, 5).orElseThrow().current();
    }

    private Lsn confirmedFlush() throws SQLException {
        return SlotPositions.read(sql, SLOT, 5).orElseThrow().confirmedFlush();
    }

    private static long count(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String checksum(ScratchDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) || ':' || coalesce(md5(string_agg(o::text, ',' ORDER BY id)), '') FROM orders o")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
