package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.SnapshotLoad;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot the partitions of one load read from: the one exported when the replication slot
 * was created, while it lasts, and a fresh one per partition after that.
 *
 * <p>An exported snapshot can be imported only while the replication connection that exported it
 * stays open. Once an import fails because it is gone, every later partition reads a fresh
 * snapshot. The load is then no longer a picture of one instant; the destination still converges
 * because the change stream replays from the slot's consistent point (the instant of the
 * exported snapshot) onto an idempotent apply, and anything a partition read too late or missed
 * is written again by those changes (DESIGN.md section 4).
 */
final class ExportedSnapshot {

    private static final Logger log = LoggerFactory.getLogger(ExportedSnapshot.class);

    /** What {@code pg_export_snapshot()} and {@code EXPORT_SNAPSHOT} return, e.g. {@code 00000003-0000001B-1}. */
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+");

    private static final String BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    private final SnapshotLoad load;
    private final Optional<String> name;
    private final AtomicBoolean lost = new AtomicBoolean();

    ExportedSnapshot(SnapshotLoad load, Optional<String> name) {
        name.ifPresent(n -> {
            // SET TRANSACTION SNAPSHOT takes no bind parameter, so the name goes into the SQL text.
            if (!SNAPSHOT_NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("'" + n + "' is not an exported snapshot name");
            }
        });
        this.load = load;
        this.name = name;
        if (name.isEmpty()) {
            log.warn("{}: no exported snapshot was given, so every partition reads a fresh snapshot; the destination"
                    + " becomes consistent once the change stream has replayed from the slot's consistent point", load);
        }
    }

    /** Whether an import failed because the exporting connection had gone. */
    boolean isLost() {
        return lost.get();
    }

    /**
     * Begins a REPEATABLE READ, READ ONLY transaction on {@code source} (in autocommit mode) that
     * reads the exported snapshot if it can still be imported, or a fresh one otherwise.
     *
     * @return true when the transaction reads the exported snapshot
     */
    boolean begin(Connection source) throws SQLException {
        try (Statement st = source.createStatement()) {
            if (name.isPresent() && !lost.get()) {
                st.execute(BEGIN);
                try {
                    st.execute("SET TRANSACTION SNAPSHOT '" + name.get() + "'");
                    return true;
                } catch (SQLException e) {
                    st.execute("ROLLBACK");
                    if (!isGone(e)) {
                        throw e;
                    }
                    if (lost.compareAndSet(false, true)) {
                        log.warn("{}: the exported snapshot {} is gone ({}); the exporting replication connection has"
                                + " closed. The remaining partitions read fresh snapshots, and correctness now rests on"
                                + " the change stream replaying from the slot's consistent point onto the idempotent"
                                + " apply", load, name.get(), SnapshotLoader.firstLine(e));
                    }
                }
            }
            st.execute(BEGIN);
            return false;
        }
    }

    /**
     * Whether an import failed because the snapshot no longer exists: its file is removed when
     * the exporting transaction ends ({@code invalid snapshot identifier}, 22023), and an import
     * racing that end finds the exporting process gone (55000).
     */
    static boolean isGone(SQLException e) {
        return "22023".equals(e.getSQLState())
                || ("55000".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("could not import"));
    }
}
