package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.PartitionedLoader;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotLoadOptions;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.postgres.destination.LoadTimeKeys;
import dev.mirrorflow.connector.postgres.peer.ConnectionFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * The initial load from a PostgreSQL source into a PostgreSQL destination: the neutral {@link
 * PartitionedLoader} with partitions that are ctid block ranges, each piped as binary COPY from a
 * source transaction on the slot's exported snapshot into the destination with its marker (see
 * {@link PartitionCopier}).
 */
public final class SnapshotLoader {

    private final PartitionedLoader loader;
    private final ConnectionFactory source;
    private final ConnectionFactory destination;
    private final SnapshotLoadOptions options;

    public SnapshotLoader(Catalog catalog, ConnectionFactory source, ConnectionFactory destination,
            SnapshotLoadOptions options) {
        this.loader = new PartitionedLoader(catalog.snapshotPartitions(), options);
        this.source = source;
        this.destination = destination;
        this.options = options;
    }

    /** See {@link PartitionedLoader#plan}. */
    public List<SnapshotPartition> plan(SnapshotLoad load, List<TableLoad> tables) {
        // Planning copies nothing, so it has no copier: a copier without the snapshot's name would
        // warn that the load reads fresh snapshots when the run after it imports the exported one.
        try (BlockRanges transfers = new BlockRanges(load, tables, false, null, source, destination, options)) {
            return loader.plan(load, tables, transfers);
        }
    }

    /**
     * Plans the load if needed and copies its unfinished partitions.
     *
     * @param snapshotName the snapshot exported with the replication slot, imported by every
     *     partition while its exporting connection lives; empty to read fresh snapshots
     * @param stopRequested asked by the workers before each partition, from their own threads, so
     *     it must be safe to call from any thread
     */
    public SnapshotLoadResult run(SnapshotLoad load, List<TableLoad> tables, Optional<String> snapshotName,
            SnapshotProgressListener progress, BooleanSupplier stopRequested) {
        try (BlockRanges transfers = transfers(load, tables, snapshotName)) {
            transfers.logInAhead(options.parallelism());
            return loader.run(load, tables, transfers, progress, stopRequested);
        }
    }

    /** The order in which workers take partitions: see {@link PartitionedLoader#copyOrder}. */
    static List<SnapshotPartition> copyOrder(List<SnapshotPartition> partitions) {
        try (BlockRanges ranges = new BlockRanges(null, List.of(), false, null, null, null, null)) {
            return PartitionedLoader.copyOrder(partitions, ranges);
        }
    }

    /** A database's message may continue with Detail and Where lines; the first says what went wrong. */
    static String firstLine(Throwable t) {
        return PartitionedLoader.firstLine(t);
    }

    private BlockRanges transfers(SnapshotLoad load, List<TableLoad> tables, Optional<String> snapshotName) {
        return new BlockRanges(load, tables, snapshotName.isPresent(), PartitionCopier.forLoad(load, snapshotName),
                source, destination, options);
    }

    /**
     * Partitions as ctid block ranges, moved by binary COPY.
     *
     * <p>The connections of one run are logged in to once each: planning's source connection and
     * preparing's destination connection go on to the first worker, a worker's connections that
     * did not fail go back for the next worker and the finish, and {@link #close()} closes what
     * is left once the run is over; a run logs in its workers' connections ahead, beside the
     * planning. A login (SCRAM's key derivation on the client, a backend
     * started on the server) costs 10-20 ms of CPU in a warm worker and several times that in a
     * cold one.
     *
     * @param oneSnapshot whether the load's partitions read one exported snapshot, so that the
     *     tables mirrorflow created empty for it may be copied into without their keys ({@link
     *     LoadTimeKeys})
     */
    private static final class BlockRanges implements PartitionedLoader.Transfers, AutoCloseable {

        private final SnapshotLoad load;
        private final List<TableLoad> tables;
        private final boolean oneSnapshot;
        private final PartitionCopier copier;
        private final Logins sources;
        private final Logins destinations;
        private final SnapshotLoadOptions options;

        BlockRanges(SnapshotLoad load, List<TableLoad> tables, boolean oneSnapshot, PartitionCopier copier,
                ConnectionFactory source, ConnectionFactory destination, SnapshotLoadOptions options) {
            this.load = load;
            this.tables = tables;
            this.oneSnapshot = oneSnapshot;
            this.copier = copier;
            this.sources = new Logins(source);
            this.destinations = new Logins(destination);
            this.options = options;
        }

        @Override
        public List<SnapshotPartition.Plan> plan(List<TableLoad> tables) throws SQLException {
            Connection c = sources.take();
            List<SnapshotPartition.Plan> plans;
            try {
                plans = new SnapshotPlanner(options.rowsPerPartition()).plan(c,
                        tables.stream().map(TableLoad::source).toList());
            } catch (SQLException | RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            sources.giveBack(c);
            return plans;
        }

        @Override
        public void prepare() throws SQLException {
            Connection c = destinations.take();
            try {
                PartitionMarkerTable.ensure(c);
                for (TableLoad table : tables) {
                    // Without one snapshot, rows copied at different ones may overlap: only the key's
                    // upsert settles that, so a table an earlier attempt loaded without it gets it back.
                    if (oneSnapshot) {
                        LoadTimeKeys.dropForLoad(c, load.mirrorName(), table);
                    } else {
                        LoadTimeKeys.ensure(c, load.mirrorName(), table);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            destinations.giveBack(c);
        }

        @Override
        public void finish(List<TableLoad> loaded) throws SQLException {
            Connection c = destinations.take();
            try {
                for (TableLoad table : loaded) {
                    LoadTimeKeys.ensure(c, load.mirrorName(), table);
                }
            } catch (SQLException | RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            destinations.giveBack(c);
        }

        @Override
        public PartitionedLoader.Transfer open() throws SQLException {
            Connection src = sources.take();
            Connection dst;
            try {
                dst = destinations.take();
            } catch (SQLException | RuntimeException e) {
                closeQuietly(src);
                throw e;
            }
            return new PartitionedLoader.Transfer() {
                /** Whether every call so far returned normally, so the connections may serve again. */
                private boolean sound = true;

                @Override
                public PartitionCopy copy(TableLoad table, SnapshotPartition partition) throws SQLException {
                    sound = false;
                    PartitionCopy copy = copier.copy(src, dst, table, partition);
                    sound = true;
                    return copy;
                }

                @Override
                public void tableLoaded(TableLoad table) throws SQLException {
                    sound = false;
                    LoadTimeKeys.ensure(dst, load.mirrorName(), table);
                    sound = true;
                }

                @Override
                public void close() {
                    if (sound) {
                        sources.giveBack(src);
                        destinations.giveBack(dst);
                    } else {
                        closeQuietly(src);
                        closeQuietly(dst);
                    }
                }
            };
        }

        /**
         * Starts logging in the workers' connections on both sides while the load is planned and
         * prepared, so that the workers find them open instead of logging in one after another
         * (planning's source login, then preparing's destination login, then each worker's).
         */
        void logInAhead(int workers) {
            sources.logInAhead(workers);
            destinations.logInAhead(workers);
        }

        /** Closes the connections no worker holds any more. */
        @Override
        public void close() {
            sources.closeAll();
            destinations.closeAll();
        }

        @Override
        public OptionalLong span(SnapshotPartition partition) {
            BlockRange r = BlockRange.of(partition);
            return r.isOpenEnded() ? OptionalLong.empty() : OptionalLong.of(r.endBlock().getAsLong() - r.startBlock());
        }

        @Override
        public String describe(SnapshotPartition partition) {
            return BlockRange.of(partition).toString();
        }

        @Override
        public String hint(Throwable cause) {
            return SnapshotLoader.hint(cause);
        }

        @Override
        public boolean consistentViewLost() {
            return copier.exportedSnapshotLost();
        }
    }

    /**
     * One side's connections of a run: opened when none is idle, given back by whoever is done
     * with one in good order, closed at the end of the run. Used from the loader's threads.
     */
    private static final class Logins {

        private final ConnectionFactory factory;
        private final java.util.concurrent.ConcurrentLinkedDeque<Connection> idle =
                new java.util.concurrent.ConcurrentLinkedDeque<>();

        Logins(ConnectionFactory factory) {
            this.factory = factory;
        }

        /** Logins started ahead ({@link #logInAhead}); a failed one is tried again by {@link #take}. */
        private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.CompletableFuture<Connection>>
                ahead = new java.util.concurrent.ConcurrentLinkedQueue<>();

        void logInAhead(int count) {
            for (int i = 0; i < count; i++) {
                java.util.concurrent.CompletableFuture<Connection> login = new java.util.concurrent.CompletableFuture<>();
                Thread t = new Thread(() -> {
                    try {
                        login.complete(factory.open());
                    } catch (Throwable e) {
                        login.completeExceptionally(e);
                    }
                }, "mirrorflow-snapshot-login");
                t.setDaemon(true);
                ahead.add(login);
                t.start();
            }
        }

        Connection take() throws SQLException {
            Connection c = idle.pollFirst();
            if (c != null) {
                return c;
            }
            java.util.concurrent.CompletableFuture<Connection> login = ahead.poll();
            if (login != null) {
                try {
                    return login.join();
                } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                    // Logged in again below, so that the failure is this thread's own and current.
                }
            }
            return factory.open();
        }

        void giveBack(Connection c) {
            idle.addFirst(c);
        }

        void closeAll() {
            for (Connection c; (c = idle.pollFirst()) != null; ) {
                closeQuietly(c);
            }
            for (java.util.concurrent.CompletableFuture<Connection> login; (login = ahead.poll()) != null; ) {
                login.thenAccept(SnapshotLoader::closeQuietly);
            }
        }
    }

    /**
     * What to do about the failures a user causes. Binary COPY carries each type's own encoding,
     * so a destination column of another type shows up as malformed data (22P03) or as a row that
     * ends early or late (08P01), which says nothing about types by itself.
     */
    static String hint(Throwable cause) {
        String state = cause instanceof SQLException e ? String.valueOf(e.getSQLState()) : "";
        return switch (state) {
            case "22P03", "08P01" -> "; the destination table's columns must have the source's types;"
                    + " fix the destination table, and the load's next retry goes on (or run mirrorflow mirror resync to"
                    + " let the mirror create it)";
            case "42P01", "42703" -> "; the destination table must exist with the source's columns;"
                    + " run mirrorflow mirror resync to let the mirror create it";
            default -> "";
        };
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing a connection whose server went away fails; there is nothing left to release.
            }
        }
    }
}
