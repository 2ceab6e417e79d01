package dev.mirrorflow.connector.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotLoadException;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.destination.DestinationFailureClassifier;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A load into a table mirrorflow created for it copies without the table's primary key and
 * builds the key once the table is loaded; the rows stay exact across crashes, and a table
 * never ends a load without its key.
 */
class KeylessLoadIT extends SnapshotFixture {

    @Test
    void shouldLoadATableMirrorflowCreatedWithoutItsKeyAndBuildTheKeyOnceItIsLoaded() throws Exception {
        createOrdersAtTheSourceOnly(30_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect(); ReplicationExport export = new ReplicationExport()) {
            TableLoad orders = ordersLoad(source);
            createDestinationTable(load, orders);
            assertThat(primaryKey()).as("as setup creates it").isEqualTo("PRIMARY KEY (id)");

            // Stopped at a partition boundary (a pause) halfway: what is in is in without the key.
            java.util.concurrent.atomic.AtomicBoolean pause = new java.util.concurrent.atomic.AtomicBoolean();
            SnapshotLoadResult paused = loader(1, 2_000).run(load, List.of(orders), Optional.of(export.snapshotName),
                    progress -> pause.compareAndSet(false, progress.partitionsDone() >= 3), pause::get);
            assertThat(paused.isComplete()).isFalse();
            assertThat(paused.partitionsDone()).isPositive();
            assertThat(primaryKeyOrNone()).isEqualTo("none");

            SnapshotLoadResult result = loader(2, 2_000).run(load, List.of(orders), Optional.of(export.snapshotName),
                    SnapshotProgressListener.NONE, () -> false);

            assertThat(result.isComplete()).isTrue();
            assertThat(result.exportedSnapshotLost()).isFalse();
            assertThat(result.partitions()).hasSizeGreaterThan(3)
                    .allSatisfy(p -> assertThat(p.how()).isEqualTo(PartitionCopy.How.COPIED));
        }
        assertThat(primaryKey()).isEqualTo("PRIMARY KEY (id)");
        assertEqualToTheSource();
    }

    @Test
    void shouldBuildTheKeyBeforeAResumedLoadCopiesAtFreshSnapshotsAndLeaveNoDuplicates() throws Exception {
        createOrdersAtTheSourceOnly(60_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect()) {
            TableLoad orders = ordersLoad(source);
            createDestinationTable(load, orders);
            IllegalStateException crash = new IllegalStateException("worker killed");
            SnapshotProgressListener crashAfterFive = progress -> {
                if (progress.partitionsDone() == 5) {
                    throw crash;
                }
            };
            try (ReplicationExport export = new ReplicationExport()) {
                assertThatThrownBy(() -> loader(2, 2_000).run(load, List.of(orders), Optional.of(export.snapshotName),
                        crashAfterFive, () -> false)).isSameAs(crash);
            }
            assertThat(primaryKeyOrNone()).as("killed in the middle of the load").isEqualTo("none");
            long copiedBeforeTheCrash = queryLong(destinationDatabase, "SELECT count(*) FROM public.orders");
            assertThat(copiedBeforeTheCrash).isPositive()
                    .isEqualTo(catalog.snapshotPartitions().progress(load.mirrorId(), 1).rowsCopied());

            // The exported snapshot died with the first attempt; the rows an update moves into a later
            // partition are read again at a fresh snapshot, which only the key's upsert settles.
            execute(sourceDatabase, "UPDATE public.orders SET note = 'moved ' || repeat('m', 1000)"
                    + " WHERE id IN (1, 2, 3, 30000)");

            SnapshotLoadResult resumed = loader(2, 2_000).run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);

            assertThat(resumed.isComplete()).isTrue();
        }
        assertThat(primaryKey()).isEqualTo("PRIMARY KEY (id)");
        assertEqualToTheSourceWhereNotMoved();
    }

    @Test
    void shouldBuildTheKeyWhenTheWorkerDiedBetweenTheLastPartitionAndTheKeyBuild() throws Exception {
        createOrdersAtTheSourceOnly(20_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect(); ReplicationExport export = new ReplicationExport()) {
            TableLoad orders = ordersLoad(source);
            createDestinationTable(load, orders);
            assertThat(loader(2, 2_000).run(load, List.of(orders), Optional.of(export.snapshotName),
                    SnapshotProgressListener.NONE, () -> false).isComplete()).isTrue();
            // What a worker killed after the last partition's commit, before the key, leaves.
            execute(destinationDatabase, "ALTER TABLE public.orders DROP CONSTRAINT orders_pkey");

            SnapshotLoadResult retried = loader(2, 2_000).run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);
            assertThat(retried.isComplete()).isTrue();
            assertThat(retried.partitionsDone()).as("nothing left to copy").isZero();
            assertThat(primaryKey()).isEqualTo("PRIMARY KEY (id)");

            // Once more: building a key that is there is nothing.
            assertThat(loader(2, 2_000).run(load, List.of(orders), Optional.empty(), SnapshotProgressListener.NONE,
                    () -> false).isComplete()).isTrue();
            assertThat(primaryKey()).isEqualTo("PRIMARY KEY (id)");
        }
        assertEqualToTheSource();
    }

    @Test
    void shouldFailTheLoadInOneLineWhenTheLoadedRowsRepeatAKey() throws Exception {
        createOrdersAtTheSourceOnly(10_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect(); ReplicationExport export = new ReplicationExport()) {
            TableLoad orders = ordersLoad(source);
            createDestinationTable(load, orders);
            // A source whose key does not hold shows up as two rows with one key at the destination.
            SnapshotProgressListener duplicateOne = progress -> {
                if (progress.partitionsDone() == 1) {
                    try {
                        execute(destinationDatabase, "INSERT INTO public.orders (id, customer) VALUES (5, 5), (5, 6)");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };

            assertThatThrownBy(() -> loader(1, 2_000).run(load, List.of(orders), Optional.of(export.snapshotName),
                    duplicateOne, () -> false))
                    .isInstanceOf(SnapshotLoadException.class)
                    .hasMessageContaining("destination table public.orders got rows that repeat a primary key (\"id\")"
                            + " from source table public.orders (Key (id)=(5) is duplicated.), so its key cannot be built")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                    .satisfies(e -> assertThat(DestinationFailureClassifier.permanentLoadAdvice(load.mirrorName(), e))
                            .hasValueSatisfying(advice -> assertThat(advice)
                                    .contains("only a resync restores the destination")
                                    .endsWith("run mirrorflow mirror resync " + load.mirrorName())));
        }
        assertThat(primaryKeyOrNone()).isEqualTo("none");
    }

    @Test
    void shouldKeepTheKeyOfATableTheUserMadeAndOfACreatedTableWithRows() throws Exception {
        createOrders(10_000);
        SnapshotLoad load = newLoad();
        List<String> keysDuringTheLoad = new ArrayList<>();
        try (Connection source = sourceDatabase.connect(); ReplicationExport export = new ReplicationExport()) {
            TableLoad orders = ordersLoad(source);
            createDestinationTable(load, orders);
            assertThat(loader(1, 2_000).run(load, List.of(orders), Optional.of(export.snapshotName), progress ->
                    keysDuringTheLoad.add(primaryKeyOrNone()), () -> false).isComplete()).isTrue();
        }
        assertThat(keysDuringTheLoad).isNotEmpty().containsOnly("PRIMARY KEY (id)");
        assertEqualToTheSource();

        // A table mirrorflow created that holds a row (here, one a user wrote into it) is not the load's to vouch for.
        dropDatabases();
        createDatabases();
        createOrdersAtTheSourceOnly(10_000);
        SnapshotLoad second = newLoad();
        keysDuringTheLoad.clear();
        try (Connection source = sourceDatabase.connect(); ReplicationExport export = new ReplicationExport()) {
            TableLoad orders = ordersLoad(source);
            createDestinationTable(second, orders);
            execute(destinationDatabase, "INSERT INTO public.orders (id, customer) VALUES (7, -1)");
            SnapshotLoadResult result = loader(1, 2_000).run(second, List.of(orders),
                    Optional.of(export.snapshotName), progress -> keysDuringTheLoad.add(primaryKeyOrNone()),
                    () -> false);
            assertThat(result.isComplete()).isTrue();
            assertThat(result.partitions()).extracting(PartitionCopy::how).contains(PartitionCopy.How.UPSERTED);
        }
        assertThat(keysDuringTheLoad).isNotEmpty().containsOnly("PRIMARY KEY (id)");
        assertEqualToTheSource();
    }

    /** The orders table at the source only: the destination's is mirrorflow's to create. */
    private void createOrdersAtTheSourceOnly(long rows) throws SQLException {
        execute(sourceDatabase, ORDERS_DDL);
        insertOrders(1, rows);
    }

    /** As a mirror's setup does. */
    private void createDestinationTable(SnapshotLoad load, TableLoad table) {
        try (PostgresDestination destination = new PostgresDestination(ScratchPeers.of(destinationDatabase))) {
            destination.prepare(load.mirrorName(), List.of(table.mapping()), List.of(table.sourceSchema()));
        }
    }

    private String primaryKey() throws SQLException {
        String key = primaryKeyOrNone();
        assertThat(key).as("the destination table's primary key").isNotEqualTo("none");
        return key;
    }

    private String primaryKeyOrNone() {
        try (Connection c = destinationDatabase.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce((SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                        + " WHERE conrelid = 'public.orders'::regclass AND contype = 'p'), 'none')")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void assertEqualToTheSource() throws Exception {
        long count = queryLong(destinationDatabase, "SELECT count(*) FROM public.orders");
        assertThat(count).isEqualTo(queryLong(destinationDatabase, "SELECT count(DISTINCT id) FROM public.orders"))
                .isEqualTo(queryLong(sourceDatabase, "SELECT count(*) FROM public.orders"));
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
    }

    /**
     * After a load at fresh snapshots the rows the source updated meanwhile may be the old or new
     * version (the change stream settles them); every key is there once, and every other row exact.
     */
    private void assertEqualToTheSourceWhereNotMoved() throws Exception {
        long count = queryLong(destinationDatabase, "SELECT count(*) FROM public.orders");
        assertThat(count).isEqualTo(queryLong(destinationDatabase, "SELECT count(DISTINCT id) FROM public.orders"))
                .isEqualTo(queryLong(sourceDatabase, "SELECT count(*) FROM public.orders"));
        String notMoved = "SELECT md5(string_agg(o::text, '|' ORDER BY id)) FROM public.orders o"
                + " WHERE id NOT IN (1, 2, 3, 30000)";
        try (Connection d = destinationDatabase.connect(); Connection s = sourceDatabase.connect();
                Statement ds = d.createStatement(); Statement ss = s.createStatement();
                ResultSet dr = ds.executeQuery(notMoved); ResultSet sr = ss.executeQuery(notMoved)) {
            dr.next();
            sr.next();
            assertThat(dr.getString(1)).isEqualTo(sr.getString(1));
        }
    }
}
