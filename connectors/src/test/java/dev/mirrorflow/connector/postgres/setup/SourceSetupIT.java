package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.postgres.slot.AcquiredSlot;
import dev.mirrorflow.connector.postgres.slot.ActivityRetry;
import dev.mirrorflow.connector.postgres.slot.ExportedSnapshot;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotAcquisitionMetrics;
import dev.mirrorflow.connector.postgres.SlotBusyException;
import dev.mirrorflow.connector.postgres.slot.SlotRetryPolicy;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.catalog.ScratchDatabase;
import static dev.mirrorflow.connector.postgres.slot.ActivityRetry.backendPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SourceSetupIT {

    private static final TableId ORDERS = TableId.parse("orders");
    private static final TableId CUSTOMERS = TableId.parse("customers");
    private static final TableId ITEMS = TableId.parse("public.items");

    private static ScratchDatabase db;
    private final SlotAcquirer acquirer = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics());

    @BeforeAll
    static void createDatabase() throws SQLException {
        db = ScratchDatabase.create("source_setup");
        db.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)",
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text)",
                "CREATE TABLE items (id bigint PRIMARY KEY, sku text)");
    }

    @AfterAll
    static void dropDatabaseAndCheckNoSlotIsLeft() throws Exception {
        db.close();
        assertThat(ScratchDatabase.slotsOf(db.name())).isEmpty();
    }

    @Test
    void shouldCreateTheMirrorsPublicationForItsTablesWhenMissing() throws SQLException {
        MirrorSource source = mirror(ORDERS, CUSTOMERS);

        assertThat(SourceSetup.ensurePublication(ScratchPeers.of(db), source)).containsExactly(ORDERS, CUSTOMERS);

        assertThat(source.publication()).isEqualTo("mirrorflow_" + source.mirror());
        assertThat(publishedTables(source.publication())).containsExactly("public.customers", "public.orders");
        assertThat(SourceSetup.ensurePublication(ScratchPeers.of(db), source)).isEmpty();
    }

    @Test
    void shouldPublishATableWithoutTheTablesThatInheritFromItSoTheirWritesKeepWorking() throws SQLException {
        db.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, amount int)",
                // No key of its own: published, its UPDATEs and DELETEs would fail.
                "CREATE TABLE ledger_2020 (closed boolean) INHERITS (ledger)",
                "INSERT INTO ledger_2020 VALUES (1, 10, false), (2, 20, false)");
        MirrorSource source = mirror(TableId.parse("ledger"));

        SourceSetup.ensurePublication(ScratchPeers.of(db), source);

        assertThat(publishedTables(source.publication())).containsExactly("public.ledger");
        db.execute("UPDATE ledger_2020 SET amount = amount + 1 WHERE id = 1", "DELETE FROM ledger_2020 WHERE id = 2",
                "UPDATE ledger SET amount = 0 WHERE id = 1");
    }

    @Test
    void shouldAddATableMissingFromAnExistingPublication() throws SQLException {
        MirrorSource source = mirror(ORDERS, ITEMS);
        db.execute("CREATE PUBLICATION " + source.publication() + " FOR TABLE orders");

        assertThat(SourceSetup.ensurePublication(ScratchPeers.of(db), source)).containsExactly(ITEMS);

        assertThat(publishedTables(source.publication())).containsExactly("public.items", "public.orders");
    }

    @Test
    void shouldCreateTheSlotWithASnapshotOtherSessionsCanImportWhileTheSlotIsHeld() throws Exception {
        MirrorSource source = mirror(ORDERS);
        db.execute("INSERT INTO orders VALUES (1, 'before the slot')");
        String snapshotName;

        try (AcquiredSlot slot = acquirer.acquire(ScratchPeers.of(db), source, 1)) {
            ExportedSnapshot snapshot = SourceSetup.createSlotIfMissing(slot).orElseThrow();
            snapshotName = snapshot.snapshotName();
            assertThat(snapshot.slot()).isEqualTo(source.slot()).isEqualTo("mirrorflow_" + source.mirror());
            assertThat(snapshot.consistentPoint()).matches("\\p{XDigit}{1,8}/\\p{XDigit}{1,8}");
            assertThat(snapshotName).isNotBlank();
            assertThat(slotPlugin(source.slot())).isEqualTo("pgoutput");

            db.execute("INSERT INTO orders VALUES (2, 'after the slot')");
            try (Connection reader = db.connect(); Statement s = reader.createStatement()) {
                s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ");
                s.execute("SET TRANSACTION SNAPSHOT '" + snapshotName + "'");
                assertThat(ids(s)).containsExactly(1L);
                s.execute("COMMIT");
                assertThat(ids(s)).containsExactly(1L, 2L);
            }
        }

        // Closing the slot's session ends the export.
        awaitSnapshotGone(snapshotName);
    }

    @Test
    void shouldGiveNoSnapshotForASlotThatAlreadyExists() throws Exception {
        MirrorSource source = mirror(ORDERS);
        db.execute("SELECT pg_create_logical_replication_slot('" + source.slot() + "', 'pgoutput')");

        try (AcquiredSlot slot = acquirer.acquire(ScratchPeers.of(db), source, 1)) {
            assertThat(SourceSetup.createSlotIfMissing(slot)).isEmpty();
            assertThat(slot.connection().isValid(2)).isTrue();
        }
    }

    @Test
    void shouldKeepTheSlotLockOnTheSessionThatCreatesTheSlot() throws Exception {
        MirrorSource source = mirror(ORDERS);
        try (AcquiredSlot slot = acquirer.acquire(ScratchPeers.of(db), source, 1)) {
            SourceSetup.createSlotIfMissing(slot).orElseThrow();
            int pid = backendPid(slot.connection());
            assertThatThrownBy(() -> acquirer.acquire(ScratchPeers.of(db), source, 1))
                    .isInstanceOf(SlotBusyException.class)
                    .hasMessageContaining("PID " + pid);
        }
        try (AcquiredSlot again = ActivityRetry.acquire(acquirer, ScratchPeers.of(db), source, 2, Duration.ofSeconds(10))) {
            assertThat(SourceSetup.createSlotIfMissing(again)).isEmpty();
        }
    }

    private static MirrorSource mirror(TableId... tables) {
        return MirrorSource.of("setup_" + ScratchDatabase.randomSuffix(), List.of(tables));
    }

    private static List<String> publishedTables(String publication) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                        + " WHERE pubname = '" + publication + "' ORDER BY 1")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static String slotPlugin(String slot) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static List<Long> ids(Statement s) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT id FROM orders ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** The exporting backend removes the snapshot as it exits, a moment after the client is gone. */
    private static void awaitSnapshotGone(String snapshotName) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try (Connection reader = db.connect(); Statement s = reader.createStatement()) {
                s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ");
                s.execute("SET TRANSACTION SNAPSHOT '" + snapshotName + "'");
                s.execute("ROLLBACK");
            } catch (SQLException e) {
                assertThat(e.getSQLState()).isEqualTo("22023");
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("snapshot " + snapshotName + " outlived the session that exported it");
            }
            Thread.sleep(50);
        }
    }
}
