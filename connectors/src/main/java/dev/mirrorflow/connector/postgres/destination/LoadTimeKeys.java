package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.load.TableLoad;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary keys of destination tables that an initial load fills without them. Copying into
 * a table with its key maintains the key's index row by row; building the index once over the
 * loaded rows is more than twice as fast. So a load takes the key off a table that mirrorflow
 * created for this mirror and that holds no rows yet, copies into it, and builds the key again
 * once every partition of the table is in ({@link #ensure}).
 *
 * <p>Only a load whose every partition reads the same snapshot may copy without the key: the
 * source's key holds within one snapshot and every partition is in the destination exactly once
 * (its marker commits with its rows), so the rows cannot repeat a key. A partition that reads a
 * snapshot of its own (a resumed load, an exported snapshot that was lost) may overlap rows read
 * at another one, which only the key's upsert settles: its table gets the key back before it is
 * copied. The change stream applies by key and {@code Destination.prepare} refuses a table
 * without it, so a table never streams before its key is back.
 *
 * <p>A table the user made, or one with rows, keeps its key: its rows are not the load's to
 * vouch for. Every method is idempotent and safe to call from several workers at once.
 */
public final class LoadTimeKeys {

    private static final Logger log = LoggerFactory.getLogger(LoadTimeKeys.class);

    private static final String PRIMARY_KEY = """
            SELECT conname FROM pg_constraint WHERE conrelid = ?::oid AND contype = 'p'""";

    /**
     * The memory a key's build may sort in, at least: PostgreSQL's default {@code
     * maintenance_work_mem} (64 MB) sorts the keys of about a million rows through temporary files,
     * which made building a 1M-row {@code bigint} key take 0.5 s instead of 0.27 s. Only raised,
     * never lowered, and only for the transaction that builds the key; a server setting above it
     * stays.
     */
    static final int KEY_BUILD_MEMORY_KB = 256 * 1024;

    private static final String RAISE_MAINTENANCE_WORK_MEM = "SELECT set_config('maintenance_work_mem', '"
            + KEY_BUILD_MEMORY_KB + "kB', true) FROM pg_settings WHERE name = 'maintenance_work_mem'"
            + " AND setting::bigint < " + KEY_BUILD_MEMORY_KB;

    private LoadTimeKeys() {}

    /**
     * Takes the primary key off the load's destination table if mirrorflow created it for
     * {@code mirror} and it holds no rows, in a transaction of its own.
     *
     * @return whether the table is now without its key (also when it was already)
     */
    public static boolean dropForLoad(Connection destination, String mirror, TableLoad table) throws SQLException {
        return inTransaction(destination, () -> {
            TableId id = table.destination();
            long relation = DestinationTables.relationOid(destination, id);
            if (!createdFor(destination, mirror, relation, id)) {
                return false;
            }
            try (Statement st = destination.createStatement()) {
                // Taken before looking at the rows, so none can arrive between the look and the drop.
                st.execute("LOCK TABLE " + id.quoted() + " IN ACCESS EXCLUSIVE MODE");
                try (ResultSet rows = st.executeQuery("SELECT EXISTS (SELECT FROM " + id.quoted() + ")")) {
                    rows.next();
                    if (rows.getBoolean(1)) {
                        return false;
                    }
                }
                Optional<String> key = primaryKey(destination, relation);
                if (key.isEmpty()) {
                    return true;
                }
                st.execute("SAVEPOINT drop_key");
                try {
                    st.execute("ALTER TABLE " + id.quoted() + " DROP CONSTRAINT " + TableId.quote(key.get()));
                } catch (SQLException e) {
                    // 2BP01: a foreign key a user added elsewhere references this one; it stays.
                    if (!"2BP01".equals(e.getSQLState())) {
                        throw e;
                    }
                    st.execute("ROLLBACK TO SAVEPOINT drop_key");
                    log.info("mirror {}: destination table {} keeps its primary key during the load: {}", mirror, id,
                            e.getMessage().lines().findFirst().orElse(""));
                    return false;
                }
            }
            log.info("mirror {}: loading destination table {} without its primary key, which is built once the table"
                    + " is loaded", mirror, id);
            return true;
        });
    }

    /**
     * Builds the primary key of the load's destination table if mirrorflow created it for
     * {@code mirror} and it lacks one, in a transaction of its own; nothing when it has it.
     *
     * @throws DuplicateKeysLoaded when the loaded rows repeat a key, which a source table's key
     *     rules out for rows read at one snapshot
     */
    public static void ensure(Connection destination, String mirror, TableLoad table) throws SQLException {
        ensure(destination, mirror, table, KeysFrom.SNAPSHOT);
    }

    /**
     * {@link #ensure(Connection, String, TableLoad)} for rows that a source of another kind read
     * and converted (a MongoDB collection's documents): their keys repeat only when two source
     * values convert to the same destination key, which the failure's advice says.
     */
    static void ensureForConvertedRows(Connection destination, String mirror, TableLoad table) throws SQLException {
        ensure(destination, mirror, table, KeysFrom.CONVERTED_ROWS);
    }

    private static void ensure(Connection destination, String mirror, TableLoad table, KeysFrom from)
            throws SQLException {
        inTransaction(destination, () -> {
            TableId id = table.destination();
            long relation = DestinationTables.relationOid(destination, id);
            if (relation == 0 || primaryKey(destination, relation).isPresent()
                    || !createdFor(destination, mirror, relation, id)) {
                return null;
            }
            build(destination, mirror, id, relation, table.source(), table.keyColumns(), from);
            return null;
        });
    }

    /** Where a load's rows came from, which says why their keys may repeat. */
    private enum KeysFrom {
        /** A PostgreSQL source table read at one snapshot. */
        SNAPSHOT,
        /** Rows a source of another kind read and converted. */
        CONVERTED_ROWS
    }

    /**
     * Builds the key of a table that mirrorflow created for {@code mirror} and that lacks it, in
     * the caller's transaction: {@code Destination.prepare} does, so that a table an interrupted
     * load left without its key (a spec edit's load retried from the start) is whole again before
     * anything else writes to it. Its rows were all read at one snapshot, so they repeat no key.
     */
    static void restoreInTransaction(Connection destination, String mirror, TableId id, long relation, TableId source,
            List<String> keyColumns) throws SQLException {
        if (primaryKey(destination, relation).isEmpty() && createdFor(destination, mirror, relation, id)) {
            build(destination, mirror, id, relation, source, keyColumns, KeysFrom.SNAPSHOT);
        }
    }

    private static void build(Connection destination, String mirror, TableId id, long relation, TableId source,
            List<String> keyColumns, KeysFrom from) throws SQLException {
        long started = System.nanoTime();
        try (Statement st = destination.createStatement()) {
            // A second worker building the same key waits here and then finds it built.
            st.execute("LOCK TABLE " + id.quoted() + " IN ACCESS EXCLUSIVE MODE");
            if (primaryKey(destination, relation).isPresent()) {
                return;
            }
            // The key's sort in memory rather than through temporary files, for this transaction only.
            st.execute(RAISE_MAINTENANCE_WORK_MEM);
            st.execute("ALTER TABLE " + id.quoted() + " ADD PRIMARY KEY (" + TableLoad.quotedList(keyColumns) + ")");
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new DuplicateKeysLoaded(mirror, id, source, keyColumns, from, e);
            }
            throw e;
        }
        log.info("mirror {}: built the primary key of destination table {} in {} ms", mirror, id,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The loaded rows of a table repeat a key, so its primary key cannot be built. Rows read at
     * one snapshot of a source table with a key cannot do that; it takes a source whose key does
     * not hold (a corrupt unique index). No retry changes it: the mirror fails with what to do.
     */
    public static final class DuplicateKeysLoaded extends SQLException {

        private final String advice;

        DuplicateKeysLoaded(String mirror, TableId destination, TableId source, List<String> keyColumns,
                KeysFrom from, SQLException cause) {
            super("destination table " + destination + " got rows that repeat a primary key ("
                    + TableLoad.quotedList(keyColumns) + ") from source table " + source + " ("
                    + detail(cause) + "), so its key cannot be built", "23505", cause);
            this.advice = (from == KeysFrom.SNAPSHOT
                    ? "the source table's key does not hold at the snapshot the load read (check it with"
                            + " REINDEX TABLE " + source.quoted() + ")"
                    : "two of the source's keys are written as the same text (such as an ObjectId and a string"
                            + " of its hex as _id)")
                    + ", and the mirror does not stream into a table without its key; "
                    + DestinationFailureClassifier.RESYNC_NEEDED + ": fix the source, then run"
                    + " mirrorflow mirror resync " + mirror;
        }

        /** What the user must do, after the message. */
        public String advice() {
            return advice;
        }

        private static String detail(SQLException e) {
            String message = String.valueOf(e.getMessage());
            int at = message.indexOf("Detail: ");
            return (at < 0 ? message : message.substring(at + "Detail: ".length())).lines().findFirst().orElse("");
        }
    }

    private static boolean createdFor(Connection destination, String mirror, long relation, TableId id)
            throws SQLException {
        if (relation == 0) {
            return false;
        }
        Optional<MirrorTablesTable.Claim> claim = MirrorTablesTable.claimOf(destination, relation, id);
        return claim.isPresent() && claim.get().created() && claim.get().mirror().equals(mirror);
    }

    private static Optional<String> primaryKey(Connection destination, long relation) throws SQLException {
        try (PreparedStatement ps = destination.prepareStatement(PRIMARY_KEY)) {
            ps.setLong(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    private static <T> T inTransaction(Connection destination, Work<T> work) throws SQLException {
        boolean autoCommit = destination.getAutoCommit();
        if (autoCommit) {
            destination.setAutoCommit(false);
        } else {
            destination.rollback();
        }
        try {
            T result = work.run();
            destination.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                destination.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            if (autoCommit) {
                destination.setAutoCommit(true);
            }
        }
    }
}
