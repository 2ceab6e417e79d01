package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.SnapshotLoadException;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.load.SnapshotLoad;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;

/** The initial load against real PostgreSQL: exactness, the exported snapshot, its loss, and pausing. */
class SnapshotLoaderIT extends SnapshotFixture {

    @Test
    void shouldLoadEveryRowExactlyWithManyPartitionsInParallel() throws Exception {
        createOrders(200_000);
        SnapshotLoad load = newLoad();
        SnapshotLoadResult result;
        try (Connection source = sourceDatabase.connect(); PlainExport export = new PlainExport()) {
            result = loader(4, 5_000).run(load, List.of(ordersLoad(source)), Optional.of(export.snapshotName),
                    SnapshotProgressListener.NONE, () -> false);
        }

        List<SnapshotPartition> planned = partitionsOf(load);
        assertThat(planned).hasSizeGreaterThanOrEqualTo(20);
        assertThat(result.isComplete()).isTrue();
        assertThat(result.stoppedEarly()).isFalse();
        assertThat(result.exportedSnapshotLost()).isFalse();
        assertThat(result.partitionsDone()).isEqualTo(planned.size());
        assertThat(result.rowsCopied()).isEqualTo(200_000);
        assertThat(result.partitions()).allSatisfy(p -> {
            assertThat(p.how()).isEqualTo(PartitionCopy.How.COPIED);
            assertThat(p.exportedSnapshot()).isTrue();
        });
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
        assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders")).isEqualTo(200_000);

        SnapshotPartition.Progress progress = catalog.snapshotPartitions().progress(load.mirrorId(), 1);
        assertThat(progress.isComplete()).isTrue();
        assertThat(progress.rowsCopied()).isEqualTo(200_000);
        assertThat(progress.bytesCopied()).isEqualTo(result.bytesCopied()).isPositive();
        assertThat(markers(load)).hasSize(planned.size());
    }

    @Test
    void shouldLogInOnceAConnectionPerWorkerAndSideAndLeaveNoneOpen() throws Exception {
        createOrders(20_000);
        SnapshotLoad load = newLoad();
        java.util.concurrent.atomic.AtomicInteger sourceLogins = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger destinationLogins = new java.util.concurrent.atomic.AtomicInteger();
        List<Connection> opened = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        SnapshotLoader loader = new SnapshotLoader(catalog, () -> {
            sourceLogins.incrementAndGet();
            Connection c = sourceDatabase.connect();
            opened.add(c);
            return c;
        }, () -> {
            destinationLogins.incrementAndGet();
            Connection c = destinationDatabase.connect();
            opened.add(c);
            return c;
        }, dev.mirrorflow.connector.load.SnapshotLoadOptions.DEFAULTS.withParallelism(2).withRowsPerPartition(2_000));
        SnapshotLoadResult result;
        try (Connection source = sourceDatabase.connect(); PlainExport export = new PlainExport()) {
            result = loader.run(load, List.of(ordersLoad(source)), Optional.of(export.snapshotName),
                    SnapshotProgressListener.NONE, () -> false);
        }

        assertThat(result.isComplete()).isTrue();
        assertThat(result.partitionsDone()).isGreaterThan(4);
        // Planning's and preparing's connections serve a worker, and a worker's the end of the load:
        // one login per worker and side.
        assertThat(sourceLogins).hasValue(2);
        assertThat(destinationLogins).hasValue(2);
        assertThat(opened).allSatisfy(c -> assertThat(c.isClosed()).isTrue());
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
    }

    @Test
    void shouldNotSeeChangesMadeAfterTheSnapshotWasExported() throws Exception {
        createOrders(50_000);
        SnapshotLoad load = newLoad();
        String atExport = checksum(sourceDatabase, ORDERS);
        try (ReplicationExport export = new ReplicationExport()) {
            // Changes the load must not see: they belong to the change stream after the consistent point.
            execute(sourceDatabase, "UPDATE public.orders SET note = 'changed after export' WHERE id % 100 = 1");
            execute(sourceDatabase, "DELETE FROM public.orders WHERE id % 100 = 2");
            insertOrders(50_001, 51_000);

            SnapshotLoadResult result;
            try (Connection source = sourceDatabase.connect()) {
                result = loader(3, 4_000).run(load, List.of(ordersLoad(source)), Optional.of(export.snapshotName),
                        SnapshotProgressListener.NONE, () -> false);
            }
            assertThat(result.isComplete()).isTrue();
            assertThat(result.exportedSnapshotLost()).isFalse();
            assertThat(result.partitions()).allSatisfy(p -> assertThat(p.exportedSnapshot()).isTrue());
        }

        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(atExport);
        assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders")).isEqualTo(50_000);
        assertThat(queryLong(destinationDatabase,
                "SELECT count(*) FROM public.orders WHERE note = 'changed after export' OR id > 50000")).isZero();
        assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders WHERE id % 100 = 2"))
                .isEqualTo(500);
    }

    @Test
    void shouldWarnOfNothingWhenTheLoadPlannedFirstReadsTheExportedSnapshot() throws Exception {
        createOrders(20_000);
        SnapshotLoad load = newLoad();
        Logger snapshotLog = (Logger) LoggerFactory.getLogger(ExportedSnapshot.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        snapshotLog.addAppender(logged);
        SnapshotLoadResult result;
        try (Connection source = sourceDatabase.connect(); PlainExport export = new PlainExport()) {
            // As a PostgreSQL source's load does: plan, then run at the exported snapshot.
            SnapshotLoader loader = loader(2, 5_000);
            loader.plan(load, List.of(ordersLoad(source)));
            result = loader.run(load, List.of(ordersLoad(source)), Optional.of(export.snapshotName),
                    SnapshotProgressListener.NONE, () -> false);
        } finally {
            snapshotLog.detachAppender(logged);
        }

        assertThat(result.isComplete()).isTrue();
        assertThat(result.partitions()).allSatisfy(p -> assertThat(p.exportedSnapshot()).isTrue());
        assertThat(logged.list).as("warnings about the snapshot").noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }

    @Test
    void shouldFinishWithFreshSnapshotsWhenTheExportingConnectionDies() throws Exception {
        createOrders(60_000);
        SnapshotLoad load = newLoad();
        Logger snapshotLog = (Logger) LoggerFactory.getLogger(ExportedSnapshot.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        snapshotLog.addAppender(logged);
        SnapshotLoadResult result;
        try (ReplicationExport export = new ReplicationExport(); Connection source = sourceDatabase.connect()) {
            SnapshotProgressListener closeExporterAfterThree = progress -> {
                if (progress.partitionsDone() == 3) {
                    try {
                        export.closeConnection();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            result = loader(2, 2_000).run(load, List.of(ordersLoad(source)), Optional.of(export.snapshotName),
                    closeExporterAfterThree, () -> false);
        } finally {
            snapshotLog.detachAppender(logged);
        }

        assertThat(result.isComplete()).isTrue();
        assertThat(result.exportedSnapshotLost()).isTrue();
        assertThat(result.partitions()).filteredOn(PartitionCopy::exportedSnapshot).hasSizeGreaterThanOrEqualTo(3);
        assertThat(result.partitions()).filteredOn(p -> !p.exportedSnapshot()).isNotEmpty();
        assertThat(logged.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("is gone").contains("fresh snapshots")
                    .contains("change stream");
        });
        // Nothing changed at the source meanwhile, so the fresh snapshots saw what the exported one saw.
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
    }

    @Test
    void shouldStopAtAPartitionBoundaryWhenAPauseIsRequested() throws Exception {
        createOrders(60_000);
        SnapshotLoad load = newLoad();
        AtomicBoolean pause = new AtomicBoolean();
        SnapshotLoadResult paused;
        try (Connection source = sourceDatabase.connect()) {
            TableLoad orders = ordersLoad(source);
            paused = loader(3, 2_000).run(load, List.of(orders), Optional.empty(),
                    progress -> pause.compareAndSet(false, progress.partitionsDone() >= 4), pause::get);

            assertThat(paused.stoppedEarly()).isTrue();
            assertThat(paused.partitionsRemaining()).isPositive();
            List<SnapshotPartition> partitions = partitionsOf(load);
            assertThat(partitions).extracting(SnapshotPartition::state)
                    .as("in-flight partitions finished; none is left running")
                    .doesNotContain(SnapshotPartition.State.RUNNING);
            long doneRows = partitions.stream().filter(p -> p.state() == SnapshotPartition.State.DONE)
                    .mapToLong(SnapshotPartition::rowsCopied).sum();
            long doneCount = partitions.stream().filter(p -> p.state() == SnapshotPartition.State.DONE).count();
            assertThat(doneCount).isEqualTo(paused.partitionsDone()).isGreaterThanOrEqualTo(4);
            assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders"))
                    .as("no partition is half-copied").isEqualTo(doneRows).isEqualTo(paused.rowsCopied());
            assertThat(markers(load)).hasSize((int) doneCount);

            SnapshotLoadResult resumed = loader(3, 2_000).run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);
            assertThat(resumed.isComplete()).isTrue();
            assertThat(resumed.partitionsDone()).isEqualTo(paused.partitionsRemaining());
        }
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
    }

    @Test
    void shouldLoadATableWithGeneratedColumnsWhichTheDestinationComputes() throws Exception {
        execute(sourceDatabase, "CREATE TABLE public.orders (id bigint PRIMARY KEY, qty int,"
                + " total int GENERATED ALWAYS AS (qty * 3) STORED, note text)");
        execute(sourceDatabase, "INSERT INTO public.orders (id, qty, note)"
                + " SELECT g, g % 100, 'n' || g FROM generate_series(1, 3000) g");
        TableMapping mapping = new TableMapping(ORDERS, ORDERS, Set.of());
        SnapshotLoad load = newLoad();
        PGSimpleDataSource destinationPeer = new PGSimpleDataSource();
        destinationPeer.setURL(destinationDatabase.jdbcUrl());
        destinationPeer.setUser(ScratchDatabase.USER);
        destinationPeer.setPassword(ScratchDatabase.PASSWORD);
        try (Connection source = sourceDatabase.connect(); PostgresDestination destination =
                new PostgresDestination(destinationPeer)) {
            TableSchema schema = new SourceSchemaReader(source).read(List.of(ORDERS)).get(ORDERS);
            destination.prepare(load.mirrorName(), List.of(mapping), List.of(schema));
            // A key the destination has already sends its partition through the staging table.
            execute(destinationDatabase, "INSERT INTO public.orders (id, qty, note) VALUES (1, 7, 'older')");
            SnapshotLoadResult result = loader(2, 1_000).run(load, List.of(new TableLoad(mapping, schema)),
                    Optional.empty(), SnapshotProgressListener.NONE, () -> false);
            assertThat(result.isComplete()).isTrue();
        }
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
        assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders WHERE total = qty * 3"))
                .isEqualTo(3000);
    }

    @Test
    void shouldLoadOnlyATablesOwnRowsNotThoseOfTablesThatInheritFromIt() throws Exception {
        // The change stream publishes a child's changes under the child's own name, so the rows
        // that SELECT FROM parent also shows are not the parent's to copy; and the child's blocks
        // would fall into the parent's ctid ranges.
        execute(sourceDatabase, "CREATE TABLE public.orders (id bigint PRIMARY KEY, qty int)");
        execute(sourceDatabase, "CREATE TABLE public.orders_archive (archived_at date) INHERITS (public.orders)");
        execute(sourceDatabase, "INSERT INTO public.orders SELECT g, g % 10 FROM generate_series(1, 3000) g");
        execute(sourceDatabase, "INSERT INTO public.orders_archive SELECT g, 1, date '2020-01-01'"
                + " FROM generate_series(100001, 102000) g");
        TableMapping mapping = new TableMapping(ORDERS, ORDERS, Set.of());
        SnapshotLoad load = newLoad();
        PGSimpleDataSource destinationPeer = new PGSimpleDataSource();
        destinationPeer.setURL(destinationDatabase.jdbcUrl());
        destinationPeer.setUser(ScratchDatabase.USER);
        destinationPeer.setPassword(ScratchDatabase.PASSWORD);
        try (Connection source = sourceDatabase.connect(); PostgresDestination destination =
                new PostgresDestination(destinationPeer)) {
            TableSchema schema = new SourceSchemaReader(source).read(List.of(ORDERS)).get(ORDERS);
            destination.prepare(load.mirrorName(), List.of(mapping), List.of(schema));
            SnapshotLoadResult result = loader(2, 1_000).run(load, List.of(new TableLoad(mapping, schema)),
                    Optional.empty(), SnapshotProgressListener.NONE, () -> false);
            assertThat(result.isComplete()).isTrue();
        }
        String ownRows = "SELECT count(*) || ':' || md5(string_agg(id || ',' || qty, ';' ORDER BY id))"
                + " FROM ONLY public.orders";
        assertThat(queryText(destinationDatabase, ownRows)).isEqualTo(queryText(sourceDatabase, ownRows))
                .startsWith("3000:");
    }

    private static String queryText(ScratchDatabase db, String sql) throws java.sql.SQLException {
        try (Connection c = db.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void shouldNeitherReadNorWriteExcludedColumns() throws Exception {
        execute(sourceDatabase, ORDERS_DDL);
        execute(destinationDatabase, ORDERS_DDL.replace(",\n    secret     text", ""));
        insertOrders(1, 10_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect()) {
            TableLoad orders = new TableLoad(new TableMapping(ORDERS, ORDERS, Set.of("secret")),
                    readSchema(source, ORDERS));
            SnapshotLoadResult result = loader(2, 3_000).run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);
            assertThat(result.isComplete()).isTrue();
        }
        String withoutSecret = "SELECT md5(string_agg(row(id, customer, note, amount, placed_at, shipped, attrs,"
                + " token, payload, ratio, due, tags)::text, '' ORDER BY id)) FROM public.orders";
        try (Connection s = sourceDatabase.connect(); Connection d = destinationDatabase.connect();
                var ss = s.createStatement(); var ds = d.createStatement();
                var sr = ss.executeQuery(withoutSecret); var dr = ds.executeQuery(withoutSecret)) {
            sr.next();
            dr.next();
            assertThat(dr.getString(1)).isEqualTo(sr.getString(1));
        }
    }

    @Test
    void shouldFailNamingTheTableAndPartitionWhenTheDestinationRefusesTheRows() throws Exception {
        execute(sourceDatabase, ORDERS_DDL);
        // A destination column of another type: binary COPY refuses the source's bytes.
        execute(destinationDatabase, ORDERS_DDL.replace("customer   int NOT NULL", "customer   bigint NOT NULL"));
        insertOrders(1, 5_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect()) {
            TableLoad orders = ordersLoad(source);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> loader(2, 1_000).run(load, List.of(orders),
                            Optional.empty(), SnapshotProgressListener.NONE, () -> false))
                    .isInstanceOf(SnapshotLoadException.class)
                    .hasMessageContaining("mirror " + load.mirrorName())
                    .hasMessageContaining("of public.orders (blocks [")
                    .hasMessageContaining("the destination table's columns must have the source's types")
                    .message().doesNotContain("\n");
        }
        assertThat(partitionsOf(load)).extracting(SnapshotPartition::state)
                .doesNotContain(SnapshotPartition.State.DONE);
        assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders")).isZero();
        assertThat(markers(load)).isEmpty();
    }
}
