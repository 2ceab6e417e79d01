package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.SnapshotLoadOptions;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * A catalog for the test class, and a fresh source and destination database for each test, all
 * on the dev-env PostgreSQL.
 */
abstract class SnapshotFixture {

    static {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    static final TableId ORDERS = new TableId("public", "orders");

    /** A table with the common column types, NULLs, TOAST-sized values and a primary key. */
    static final String ORDERS_DDL = """
            CREATE TABLE public.orders (
                id         bigint PRIMARY KEY,
                customer   int NOT NULL,
                note       text,
                amount     numeric(14,4),
                placed_at  timestamptz,
                shipped    boolean,
                attrs      jsonb,
                token      uuid,
                payload    bytea,
                ratio      double precision,
                due        date,
                tags       text[],
                secret     text
            )""";

    private static final AtomicInteger MIRRORS = new AtomicInteger();

    static ScratchDatabase catalogDatabase;
    static Catalog catalog;

    ScratchDatabase sourceDatabase;
    ScratchDatabase destinationDatabase;

    @BeforeAll
    static void openCatalog() {
        catalogDatabase = ScratchDatabase.create("mf_snapshot_catalog");
        catalog = Catalog.open(catalogDatabase.catalogConfig());
        catalog.peers().create(new StoredPeer("snap_src", "postgres", "{}", new byte[] {1}, "k1", null));
        catalog.peers().create(new StoredPeer("snap_dst", "postgres", "{}", new byte[] {1}, "k1", null));
    }

    @AfterAll
    static void dropCatalog() {
        if (catalog != null) {
            catalog.close();
        }
        if (catalogDatabase != null) {
            catalogDatabase.close();
        }
    }

    @BeforeEach
    void createDatabases() {
        sourceDatabase = ScratchDatabase.create("mf_snapshot_src");
        destinationDatabase = ScratchDatabase.create("mf_snapshot_dst");
    }

    @AfterEach
    void dropDatabases() {
        if (sourceDatabase != null) {
            sourceDatabase.close();
        }
        if (destinationDatabase != null) {
            destinationDatabase.close();
        }
    }

    /** A new mirror in the catalog and the first load of it. */
    static SnapshotLoad newLoad() {
        String name = "snap_" + MIRRORS.incrementAndGet() + "_" + Long.toHexString(System.nanoTime() & 0xffffff);
        long id = catalog.mirrors().create(new NewMirror(name, "snap_src", "snap_dst", "{}", "mirror/" + name)).id();
        return new SnapshotLoad(id, name, 1);
    }

    SnapshotLoader loader(int parallelism, long rowsPerPartition) {
        return new SnapshotLoader(catalog, sourceDatabase::connect, destinationDatabase::connect,
                SnapshotLoadOptions.DEFAULTS.withParallelism(parallelism).withRowsPerPartition(rowsPerPartition));
    }

    /** The orders table in both databases and {@code rows} rows in the source. */
    void createOrders(long rows) throws SQLException {
        execute(sourceDatabase, ORDERS_DDL);
        execute(destinationDatabase, ORDERS_DDL);
        insertOrders(1, rows);
    }

    void insertOrders(long from, long to) throws SQLException {
        execute(sourceDatabase, """
                INSERT INTO public.orders
                SELECT g, g % 1000,
                       CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g || repeat('x', (g % 50)::int) END,
                       (g * 1.2345)::numeric(14,4),
                       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute',
                       CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
                       jsonb_build_object('g', g, 'tags', jsonb_build_array(g % 3, 'a'), 'x', 'é✓'),
                       md5(g::text)::uuid,
                       decode(md5(g::text), 'hex'),
                       g / 3.0,
                       date '2020-01-01' + (g % 1000)::int,
                       ARRAY['t' || (g % 5), NULL, 't' || (g % 11)],
                       CASE WHEN g % 1000 = 0 THEN repeat(md5(g::text), 200) ELSE 's' END
                FROM generate_series(:from, :to) g""".replace(":from", Long.toString(from)).replace(":to", Long.toString(to)));
    }

    static TableLoad ordersLoad(Connection source) throws SQLException {
        return new TableLoad(new TableMapping(ORDERS, ORDERS, Set.of()), readSchema(source, ORDERS));
    }

    /** The shape of a table as the source describes it. */
    static TableSchema readSchema(Connection c, TableId table) throws SQLException {
        List<ColumnSchema> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                       coalesce((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(att, n)
                                 WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.att = a.attnum), 0)
                FROM pg_attribute a
                WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum""")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new ColumnSchema(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getInt(4)));
                }
            }
        }
        return new TableSchema(table, columns);
    }

    static void execute(ScratchDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static long queryLong(ScratchDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect()) {
            return queryLong(c, sql);
        }
    }

    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** An ordered checksum of every row: equal checksums mean equal tables, row for row. */
    static String checksum(Connection c, TableId table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT md5(coalesce(string_agg(t::text, '' ORDER BY id), '')) FROM " + table.quoted() + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String checksum(ScratchDatabase db, TableId table) throws SQLException {
        try (Connection c = db.connect()) {
            return checksum(c, table);
        }
    }

    /** The destination's markers of a load: partition number to finished_at as text. */
    Map<Integer, String> markers(SnapshotLoad load) throws SQLException {
        Map<Integer, String> markers = new TreeMap<>();
        try (Connection c = destinationDatabase.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT partition_no, finished_at::text FROM _mirrorflow.snapshot_partitions"
                        + " WHERE mirror = ? AND load_generation = ?")) {
            ps.setString(1, load.mirrorName());
            ps.setInt(2, load.loadGeneration());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    markers.put(rs.getInt(1), rs.getString(2));
                }
            }
        }
        return markers;
    }

    static List<SnapshotPartition> partitionsOf(SnapshotLoad load) {
        return catalog.snapshotPartitions().list(load.mirrorId(), load.loadGeneration());
    }

    /**
     * A snapshot exported the way the slot does it: {@code CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT}
     * on a replication connection, valid while that connection stays open and idle.
     */
    final class ReplicationExport implements AutoCloseable {

        final String slot;
        final String snapshotName;
        private final Connection replication;

        ReplicationExport() throws SQLException {
            this.slot = "mf_snap_" + Long.toHexString(System.nanoTime());
            this.replication = ScratchPeers.of(sourceDatabase).connectForReplication();
            try (Statement st = replication.createStatement(); ResultSet rs = st.executeQuery(
                    "CREATE_REPLICATION_SLOT " + slot + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
                rs.next();
                this.snapshotName = rs.getString("snapshot_name");
            }
        }

        /** Ends the export, as a dying replication connection would. */
        void closeConnection() throws SQLException {
            replication.close();
        }

        @Override
        public void close() throws SQLException {
            replication.close();
            // The slot must go before its database can be dropped; its walsender may need a moment to exit.
            try (Connection c = sourceDatabase.connect(); Statement st = c.createStatement()) {
                for (int attempt = 0; ; attempt++) {
                    try {
                        st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                + " WHERE slot_name = '" + slot + "'");
                        return;
                    } catch (SQLException e) {
                        if (!"55006".equals(e.getSQLState()) || attempt >= 50) {
                            throw e;
                        }
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            throw e;
                        }
                    }
                }
            }
        }
    }

    /** A snapshot exported with {@code pg_export_snapshot()} from an open REPEATABLE READ transaction. */
    final class PlainExport implements AutoCloseable {

        final String snapshotName;
        final Connection connection;

        PlainExport() throws SQLException {
            connection = sourceDatabase.connect();
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshotName = rs.getString(1);
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }
}
