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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A stream that follows its tables by relation OID, applied to a real PostgreSQL destination:
 * renamed tables, dropped columns, replays, and the position of a transaction cut into batches.
 */
class FollowedTablesIT {

    // Slot names are cluster-wide: a suffix keeps concurrent runs of this test apart.
    private static final String SLOT = "mirrorflow_follow_" + ScratchDatabase.randomSuffix();
    private static final String PUBLICATION = "mirrorflow_follow";
    private static final TableId ORDERS = new TableId("public", "orders");

    private ScratchDatabase source;
    private ScratchDatabase destinationDb;
    private Connection sql;
    private List<TableMapping> mappings;

    @BeforeEach
    void databases() throws SQLException {
        source = ScratchDatabase.create("mirrorflow_follow_src");
        destinationDb = ScratchDatabase.create("mirrorflow_follow_dst");
        sql = source.connect();
        source.execute(
                "CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text)",
                "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE orders",
                "SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
        mappings = List.of(new TableMapping(ORDERS, ORDERS, Set.of()));
    }

    @AfterEach
    void drop() throws SQLException {
        sql.close();
        source.close();
        destinationDb.close();
    }

    @Test
    void shouldStreamARenamedTableUnderItsSpecNameAndNoticeEachChangeAgainAlikeWhenReplayed() throws Exception {
        FollowedTables followed = followed();
        List<SchemaChange> noticed = new ArrayList<>();
        try (PostgresDestination real = destination()) {
            // The destination is prepared before the source changes, as a mirror's setup is before
            // the changes its slot streams.
            real.prepare("m", mappings, List.of(schemaOf(ORDERS)));
            source.execute("INSERT INTO orders VALUES (1, 1, 'before')",
                    "ALTER TABLE orders RENAME TO orders_renamed",
                    "INSERT INTO orders_renamed VALUES (2, 2, 'renamed')",
                    "UPDATE orders_renamed SET qty = 10 WHERE id = 1",
                    "ALTER TABLE orders_renamed DROP COLUMN note",
                    "INSERT INTO orders_renamed VALUES (3, 3)",
                    "ALTER TABLE orders_renamed RENAME TO orders",
                    "DELETE FROM orders WHERE id = 2",
                    "INSERT INTO orders VALUES (4, 4)");
            // The worker dies before its first batch is applied, once.
            AtomicBoolean crashed = new AtomicBoolean();
            Destination crashing = new ForwardingDestination(real) {
                @Override
                public ApplyResult apply(String mirror, ChangeBatch batch) {
                    if (crashed.compareAndSet(false, true)) {
                        noticed.addAll(batch.schemaChanges());
                        throw new IllegalStateException("worker killed before the destination commit");
                    }
                    return real.apply(mirror, batch);
                }
            };
            assertThatThrownBy(() -> streamUntilCaughtUp(crashing, followed, List.of()))
                    .hasMessageContaining("worker killed");
            List<SchemaChange> recorded = new ArrayList<>();
            streamUntilCaughtUp(real, followed, recorded);

            assertThat(recorded).extracting(SchemaChange::kind, SchemaChange::from, SchemaChange::to).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(SchemaChange.Kind.TABLE_RENAMED, "public.orders",
                            "public.orders_renamed"),
                    org.assertj.core.groups.Tuple.tuple(SchemaChange.Kind.COLUMN_DROPPED, "note", null),
                    org.assertj.core.groups.Tuple.tuple(SchemaChange.Kind.TABLE_RENAMED, "public.orders_renamed",
                            "public.orders"));
            assertThat(recorded).allMatch(c -> c.table().equals(ORDERS));
            // What the crashed attempt noticed, the replay noticed as the same changes.
            assertThat(recorded.stream().map(SchemaChange::idempotencyKey))
                    .containsAll(noticed.stream().map(SchemaChange::idempotencyKey).toList());
            assertThat(noticed).isNotEmpty();
        }
        assertThat(rows(destinationDb, "SELECT string_agg(id || ':' || qty || ':' || coalesce(note, 'NULL'), ','"
                + " ORDER BY id) FROM orders")).isEqualTo("1:10:before,3:3:NULL,4:4:NULL");
    }

    @Test
    void shouldMoveTheCheckpointPastATransactionWhoseRowsFilledWholeBatches() throws Exception {
        FollowedTables followed = followed();
        Lsn lastRow;
        try (Connection c = source.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // Exactly four batches of 250: the last one is handed over before the commit arrives.
            s.execute("INSERT INTO orders SELECT g, g, 'n' || g FROM generate_series(1, 1000) g");
            lastRow = Lsn.valueOf(rows(s, "SELECT pg_current_wal_insert_lsn()::text"));
            c.commit();
        }
        try (PostgresDestination destination = destination()) {
            destination.prepare("m", mappings, List.of(schemaOf(ORDERS)));
            List<SchemaChange> none = new ArrayList<>();
            streamUntilCaughtUp(destination, followed, none);
            Lsn checkpoint = Lsn.valueOf(destination.checkpoint("m").orElseThrow());
            assertThat(checkpoint).as("the destination's checkpoint %s is past the transaction's last row %s",
                    checkpoint, lastRow).isGreaterThan(lastRow);
        }
        assertThat(rows(destinationDb, "SELECT count(*) FROM orders")).isEqualTo("1000");
    }

    private FollowedTables followed() throws SQLException {
        long oid = Long.parseLong(rows(sql.createStatement(), "SELECT 'public.orders'::regclass::oid::text"));
        Lsn readAt = Lsn.valueOf(rows(sql.createStatement(), "SELECT pg_current_wal_lsn()::text"));
        return new FollowedTables(Map.of((int) oid, new FollowedTables.Table(ORDERS, ORDERS,
                List.of("id", "qty", "note"))), readAt);
    }

    private TableSchema schemaOf(TableId table) throws SQLException {
        return new SourceSchemaReader(sql).read(List.of(table)).get(table);
    }

    /** Streams until the slot is confirmed past everything the source had written when called. */
    private void streamUntilCaughtUp(Destination destination, FollowedTables followed, List<SchemaChange> noticed)
            throws Exception {
        Lsn target = SlotPositions.read(sql, SLOT, 5).orElseThrow().current();
        Lsn from = destination.checkpoint("m").map(Lsn::valueOf).orElse(Lsn.INVALID);
        ChangeStreamSettings settings = new ChangeStreamSettings(SLOT, PUBLICATION, 250, Duration.ofMillis(200),
                Duration.ofMillis(500), Duration.ofSeconds(1));
        try (Connection repl = ScratchPeers.of(source).connectForReplication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings, from, 1, followed)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            new StreamLoop("m").run(stream, destination,
                    () -> stream.confirmedPosition().compareTo(target) >= 0 || System.nanoTime() > deadline,
                    () -> {}, (b, r, s, e) -> noticed.addAll(b.schemaChanges()));
            assertThat(stream.confirmedPosition()).as("caught up within 60 s").isGreaterThanOrEqualTo(target);
        }
    }

    private PostgresDestination destination() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(destinationDb.jdbcUrl());
        ds.setUser(ScratchDatabase.USER);
        ds.setPassword(ScratchDatabase.PASSWORD);
        return new PostgresDestination(ds);
    }

    private static String rows(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            return rows(s, query);
        }
    }

    private static String rows(Statement s, String query) throws SQLException {
        try (ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
