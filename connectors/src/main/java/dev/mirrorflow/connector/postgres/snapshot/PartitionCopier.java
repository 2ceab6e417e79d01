package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.destination.LoadTimeKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one partition from the source into the destination, exactly once.
 *
 * <p>The source side is a REPEATABLE READ, READ ONLY transaction on the load's snapshot running
 * {@code COPY (SELECT ... WHERE ctid range) TO STDOUT (FORMAT binary)}. Its rows are streamed, in
 * chunks of at most {@value #CHUNK_BYTES} bytes, into {@code COPY ... FROM STDIN (FORMAT binary)}
 * on the destination, so a partition never sits in memory. The destination transaction also
 * writes the partition's marker row and commits both at once.
 *
 * <p>Both connections belong to the caller and are used by one thread at a time. The source
 * connection must be in autocommit mode (the copier opens and ends its own transaction blocks);
 * the destination connection is switched to manual commit.
 */
public final class PartitionCopier {

    private static final Logger log = LoggerFactory.getLogger(PartitionCopier.class);

    /**
     * Rows are gathered into chunks of this size before they are handed to the destination: one
     * protocol message per chunk instead of per row, while memory stays bounded per worker.
     */
    static final int CHUNK_BYTES = 256 * 1024;

    private static final String UNIQUE_VIOLATION = "23505";
    private static final String STAGING_TABLE = "mirrorflow_snapshot_staging";

    private final SnapshotLoad load;
    private final ExportedSnapshot snapshot;

    PartitionCopier(SnapshotLoad load, ExportedSnapshot snapshot) {
        this.load = load;
        this.snapshot = snapshot;
    }

    /**
     * A copier for one load. Every partition it copies imports {@code snapshotName} while that can
     * be imported, and reads a fresh snapshot after (see {@link #exportedSnapshotLost()}).
     */
    public static PartitionCopier forLoad(SnapshotLoad load, java.util.Optional<String> snapshotName) {
        return new PartitionCopier(load, new ExportedSnapshot(load, snapshotName));
    }

    /** Whether some partition could not import the exported snapshot because it was gone. */
    public boolean exportedSnapshotLost() {
        return snapshot.isLost();
    }

    /**
     * Copies the partition unless its marker says it is already in the destination. The
     * destination's marker table must exist ({@link PartitionMarkerTable#ensure}).
     *
     * @throws SQLException when either side fails; nothing of the partition is then committed
     */
    public PartitionCopy copy(Connection source, Connection destination, TableLoad table, SnapshotPartition partition)
            throws SQLException {
        String tableName = table.partitionTableName();
        int partitionNo = partition.partitionNo();
        if (!source.getAutoCommit()) {
            source.setAutoCommit(true);
        }
        if (destination.getAutoCommit()) {
            destination.setAutoCommit(false);
        }

        OptionalLong marker = PartitionMarkerTable.find(destination, load.mirrorName(), load.loadGeneration(),
                tableName, partitionNo);
        destination.rollback();
        if (marker.isPresent()) {
            log.info("{}: partition {} of {} is already in the destination ({} rows); not copying it again",
                    load, partitionNo, tableName, marker.getAsLong());
            return new PartitionCopy(tableName, partitionNo, PartitionCopy.How.FOUND_IN_DESTINATION,
                    marker.getAsLong(), 0, false);
        }

        BlockRange range = BlockRange.of(partition);
        boolean exported = snapshot.begin(source);
        boolean sourceOpen = true;
        try {
            if (!exported) {
                // Read at a snapshot of its own, the partition may repeat rows of others: the key
                // upserts them, so a table loading without it gets it back first.
                LoadTimeKeys.ensure(destination, load.mirrorName(), table);
            }
            String copyOut = copyOutSql(table, range, isPartitioned(source, table.source()));
            PartitionCopy.How how = PartitionCopy.How.COPIED;
            Transfer transfer;
            try {
                transfer = pipe(source, copyOut, destination, copyInSql(table.destination(), table.columns()));
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState()) || table.keyColumns().isEmpty()) {
                    throw e;
                }
                destination.rollback();
                log.warn("{}: partition {} of {} ({}) holds keys the destination already has ({}); copying it again"
                        + " through a staging table and upserting, so rows read from an older snapshot give way"
                        + " to the newer ones and the change stream settles the rest",
                        load, partitionNo, tableName, range, SnapshotLoader.firstLine(e));
                transfer = upsertThroughStaging(source, copyOut, destination, table);
                how = PartitionCopy.How.UPSERTED;
            }
            if (!PartitionMarkerTable.record(destination, load.mirrorName(), load.loadGeneration(), tableName,
                    partitionNo, transfer.rows())) {
                destination.rollback();
                long rows = PartitionMarkerTable.find(destination, load.mirrorName(), load.loadGeneration(),
                        tableName, partitionNo).orElse(transfer.rows());
                destination.rollback();
                log.warn("{}: partition {} of {} was committed by another attempt while this one copied it;"
                        + " this copy was rolled back", load, partitionNo, tableName);
                return new PartitionCopy(tableName, partitionNo, PartitionCopy.How.FOUND_IN_DESTINATION, rows, 0, false);
            }
            destination.commit();
            end(source, "COMMIT");
            sourceOpen = false;
            return new PartitionCopy(tableName, partitionNo, how, transfer.rows(), transfer.bytes(), exported);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(destination, e);
            throw e;
        } finally {
            if (sourceOpen) {
                try {
                    end(source, "ROLLBACK");
                } catch (SQLException ignored) {
                    // The connection is broken; the caller discards it with the failure it already has.
                }
            }
        }
    }

    private record Transfer(long rows, long bytes) {}

    /**
     * Streams one binary COPY into another: its CopyData messages forwarded as they are ({@link
     * CopyDataRelay}), or, with a pgjdbc whose streams the relay cannot reach, row by row through
     * pgjdbc's copy API in chunks. When the destination refuses the data because of a
     * duplicate key, the rest of the source's COPY is read and dropped before the error is
     * rethrown, so that the source transaction, and with it the snapshot, stays usable for a
     * second pass. Any other failure cancels both sides.
     */
    private static Transfer pipe(Connection source, String copyOutSql, Connection destination, String copyInSql)
            throws SQLException {
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOutSql);
        CopyIn in;
        try {
            in = destination.unwrap(PGConnection.class).getCopyAPI().copyIn(copyInSql);
        } catch (SQLException | RuntimeException e) {
            cancelQuietly(out, e);
            throw e;
        }
        byte[] chunk = new byte[CHUNK_BYTES];
        Optional<CopyDataRelay> relay = CopyDataRelay.between(source, destination);
        if (relay.isPresent()) {
            try {
                CopyDataRelay.Moved moved = relay.get().relay(out, in, chunk);
                return new Transfer(moved.rows(), moved.bytes());
            } catch (SQLException | RuntimeException e) {
                if (in.isActive()) {
                    cancelQuietly(in, e);
                }
                if (out.isActive()) {
                    if (e instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
                        drain(out);
                    } else {
                        cancelQuietly(out, e);
                    }
                }
                throw e;
            }
        }
        long bytes = 0;
        int filled = 0;
        boolean sourceDone = false;
        try {
            byte[] data;
            while ((data = out.readFromCopy()) != null) {
                bytes += data.length;
                if (filled + data.length > chunk.length && filled > 0) {
                    in.writeToCopy(chunk, 0, filled);
                    filled = 0;
                }
                if (data.length >= chunk.length) {
                    in.writeToCopy(data, 0, data.length);
                } else {
                    System.arraycopy(data, 0, chunk, filled, data.length);
                    filled += data.length;
                }
            }
            sourceDone = true;
            if (filled > 0) {
                in.writeToCopy(chunk, 0, filled);
            }
            long rows = in.endCopy();
            return new Transfer(rows, bytes);
        } catch (SQLException e) {
            if (in.isActive()) {
                cancelQuietly(in, e);
            }
            if (!sourceDone && out.isActive()) {
                if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    drain(out);
                } else {
                    cancelQuietly(out, e);
                }
            }
            throw e;
        } catch (RuntimeException e) {
            cancelQuietly(in, e);
            cancelQuietly(out, e);
            throw e;
        }
    }

    /**
     * Copies the partition into a temporary table and merges it into the destination table by
     * primary key, later values winning. Runs in the destination transaction the caller commits.
     */
    private static Transfer upsertThroughStaging(Connection source, String copyOutSql, Connection destination,
            TableLoad table) throws SQLException {
        List<String> columns = table.columns();
        String columnList = TableLoad.quotedList(columns);
        try (Statement st = destination.createStatement()) {
            st.execute("CREATE TEMPORARY TABLE " + STAGING_TABLE + " ON COMMIT DROP AS SELECT " + columnList
                    + " FROM " + table.destination().quoted() + " WITH NO DATA");
        }
        Transfer transfer = pipe(source, copyOutSql, destination,
                "COPY " + STAGING_TABLE + " (" + columnList + ") FROM STDIN (FORMAT binary)");
        List<String> key = table.keyColumns();
        List<String> rest = columns.stream().filter(c -> !key.contains(c)).toList();
        String onConflict = rest.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + rest.stream()
                .map(c -> TableId.quote(c) + " = EXCLUDED." + TableId.quote(c)).collect(Collectors.joining(", "));
        try (Statement st = destination.createStatement()) {
            st.executeUpdate("INSERT INTO " + table.destination().quoted() + " (" + columnList + ") SELECT "
                    + columnList + " FROM " + STAGING_TABLE + " ON CONFLICT (" + TableLoad.quotedList(key) + ") "
                    + onConflict);
        }
        return transfer;
    }

    /**
     * The source's COPY of one partition. A plain table is read {@code ONLY}: rows of tables that
     * inherit from it ({@code INHERITS}) are not its rows in the change stream, which publishes
     * them under the child's own name, and their ctids would fall into the parent's block ranges
     * too. A partitioned table has no rows of its own: its partitions' rows are its rows, both in
     * the load and, published via the partition root, in the stream.
     */
    static String copyOutSql(TableLoad table, BlockRange range, boolean partitioned) {
        String condition = range.ctidCondition();
        return "COPY (SELECT " + table.quotedColumnList() + " FROM " + (partitioned ? "" : "ONLY ")
                + table.source().quoted() + (condition.isEmpty() ? "" : " WHERE " + condition)
                + ") TO STDOUT (FORMAT binary)";
    }

    private static boolean isPartitioned(Connection source, TableId table) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT relkind = 'p' FROM pg_class WHERE oid = ?::regclass")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    static String copyInSql(TableId destination, List<String> columns) {
        return "COPY " + destination.quoted() + " (" + TableLoad.quotedList(columns) + ") FROM STDIN (FORMAT binary)";
    }

    private static void end(Connection source, String command) throws SQLException {
        try (Statement st = source.createStatement()) {
            st.execute(command);
        }
    }

    private static void drain(CopyOut out) throws SQLException {
        while (out.readFromCopy() != null) {
            // Dropped: the partition is read again from the same transaction into a staging table.
        }
    }

    private static void cancelQuietly(org.postgresql.copy.CopyOperation op, Exception cause) {
        try {
            if (op.isActive()) {
                op.cancelCopy();
            }
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static void rollbackQuietly(Connection destination, Exception cause) {
        try {
            destination.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
