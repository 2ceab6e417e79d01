package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Value;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one collapsed batch and its checkpoint in one transaction: per table a TRUNCATE when the
 * batch truncated it, a COPY of the fresh rows (inserted under keys the batch did not otherwise
 * touch) straight into the table, then a COPY of the other rows into the table's staging table
 * and one MERGE; last the checkpoint row. The staging tables a batch needs are created before it,
 * in a transaction of their own, once per session and table shape. Either all of it commits or none of it does, so a crash at any
 * point leaves the destination at the previous checkpoint with the matching rows.
 *
 * <p>When the table has the key of a fresh row after all (a replayed batch, or a load that
 * overlapped the stream), the transaction is rolled back and the whole batch goes through the
 * MERGE, which gives the same rows.
 *
 * <p>Values are PostgreSQL text output from the source's pgjdbc session, which pgjdbc pins to
 * DateStyle ISO and UTF8; this destination session is pgjdbc too, so COPY reads them the way the
 * source wrote them.
 */
final class BatchApplier {

    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    /**
     * The join of the staged rows with the destination table must probe the primary key index.
     * The staging table has no statistics, and for a batch against a large table the planner
     * otherwise picks a hash join that reads the whole destination table for every batch, which
     * makes the cost of a batch grow with the size of the table rather than of the batch.
     */
    static final String PLAN_SETTINGS = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";

    private static final String UNIQUE_VIOLATION = "23505";

    private final Connection connection;
    private final CopyManager copyManager;
    private final Set<String> stagingTables;

    /**
     * @param stagingTables the staging tables this session has; the applier adds those it
     *     creates. The caller forgets them when it replaces the connection.
     */
    BatchApplier(Connection connection, Set<String> stagingTables) throws SQLException {
        this.connection = connection;
        this.copyManager = connection.unwrap(PGConnection.class).getCopyAPI();
        this.stagingTables = stagingTables;
    }

    /**
     * Applies and commits. On failure nothing is committed; the caller rolls back and discards
     * the connection.
     *
     * @throws DestinationException naming the step and table that failed
     */
    void apply(String mirror, ChangeBatch batch, CollapsedBatch collapsed) {
        String context = "mirror " + mirror + ", batch " + batch.batchId();
        createStaging(context, collapsed);
        try {
            applyTables(context, collapsed, true);
        } catch (FreshRowsConflict conflict) {
            // The table had a key the batch inserted: a replay, or a load that overlapped the
            // stream. Nothing of the attempt stays; the batch goes through the MERGE alone.
            log.debug("{}: destination table {} already has rows the batch inserts; applying the batch again"
                    + " with MERGE only", context, conflict.table.destination().id());
            conflict.table.freshRowsConflicted();
            try {
                connection.rollback();
            } catch (SQLException e) {
                throw new DestinationException(context + ": rolling back failed: " + oneLine(e), e);
            }
            applyTables(context, collapsed, false);
        }
        try {
            CheckpointTable.write(connection, mirror, batch.position(), batch.batchId());
            connection.commit();
        } catch (SQLException e) {
            throw new DestinationException(context + ": committing the batch with checkpoint " + batch.position()
                    + " failed: " + oneLine(e), e);
        }
    }

    /**
     * Creates the staging tables the batch may need that the session lacks, in one round trip
     * and a transaction of their own: created inside the batch's transaction, they would vanish
     * with it when it is rolled back for a fresh-rows conflict.
     */
    private void createStaging(String context, CollapsedBatch collapsed) {
        StringJoiner missing = new StringJoiner("; ");
        List<String> names = new ArrayList<>();
        for (TableChanges changes : collapsed.tables()) {
            MergeStatements sql = changes.table().statements();
            if (!changes.rows().isEmpty() && !stagingTables.contains(sql.staging()) && !names.contains(sql.staging())) {
                missing.add(sql.createStaging());
                names.add(sql.staging());
            }
        }
        if (names.isEmpty()) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(missing.toString());
            connection.commit();
        } catch (SQLException e) {
            throw new DestinationException(context + ": creating the staging table(s) " + names + " failed: " + oneLine(e), e);
        }
        stagingTables.addAll(names);
    }

    private void applyTables(String context, CollapsedBatch collapsed, boolean copyFresh) {
        boolean planSet = false;
        for (TableChanges changes : collapsed.tables()) {
            MirroredTable mirrored = changes.table();
            MergeStatements sql = mirrored.statements();
            String table = mirrored.destination().id().toString();
            try (Statement statement = connection.createStatement()) {
                if (changes.truncated()) {
                    statement.execute(sql.truncate());
                }
                if (changes.rows().isEmpty()) {
                    continue;
                }
                long started = System.nanoTime();
                List<PendingRow> merged = new ArrayList<>(changes.rows().size());
                List<PendingRow> fresh = new ArrayList<>();
                boolean split = copyFresh && mirrored.tryFreshCopy();
                for (PendingRow row : changes.rows()) {
                    (split && row.fresh() ? fresh : merged).add(row);
                }
                if (!fresh.isEmpty()) {
                    copyFresh(sql.copyFresh(), mirrored, fresh);
                }
                long copied = System.nanoTime();
                if (!merged.isEmpty()) {
                    boolean needsBase = stage(sql.copy(), mirrored, merged);
                    // The plan settings go with the first statement that joins, saving a round trip.
                    String first = needsBase ? sql.fillFromBase() : sql.merge();
                    statement.execute(planSet ? first : PLAN_SETTINGS + "; " + first);
                    planSet = true;
                    if (needsBase) {
                        statement.execute(sql.merge());
                    }
                }
                if (log.isDebugEnabled()) {
                    log.debug("{}: {} row(s) to {}: {} fresh copied in {} ms, {} merged in {} ms", context,
                            changes.rows().size(), table, fresh.size(), (copied - started) / 1_000_000,
                            merged.size(), (System.nanoTime() - copied) / 1_000_000);
                }
            } catch (SQLException | IllegalArgumentException e) {
                throw new DestinationException(context + ": applying " + changes.rows().size() + " row(s) to destination"
                        + " table " + table + " failed: " + oneLine(e), e);
            }
        }
    }

    /** COPYs fresh rows into the table itself; a key the table has already ends the attempt. */
    private void copyFresh(String copySql, MirroredTable table, List<PendingRow> rows) throws SQLException {
        try {
            CopyIn copy = copyManager.copyIn(copySql);
            try {
                CopyTextWriter writer = new CopyTextWriter((bytes, length) -> copy.writeToCopy(bytes, 0, length));
                int columnCount = table.destination().columns().size();
                for (PendingRow row : rows) {
                    writeValues(writer, row.values(), columnCount);
                    writer.endRow();
                }
                writer.flush();
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new FreshRowsConflict(table);
            }
            throw e;
        }
        table.freshRowsCopied();
    }

    /**
     * Streams the rows into the staging table and says whether any takes unchanged values from
     * another row, which costs an extra statement only then.
     */
    private boolean stage(String copySql, MirroredTable table, List<PendingRow> rows) throws SQLException {
        CopyIn copy = copyManager.copyIn(copySql);
        try {
            CopyTextWriter writer = new CopyTextWriter((bytes, length) -> copy.writeToCopy(bytes, 0, length));
            int[] keyColumns = table.keyColumns();
            int columnCount = table.destination().columns().size();
            boolean needsBase = false;
            for (PendingRow row : rows) {
                writeRow(writer, row, keyColumns, columnCount);
                needsBase |= row.baseKey() != null;
            }
            writer.flush();
            copy.endCopy();
            return needsBase;
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private static void writeValues(CopyTextWriter writer, Value[] values, int columnCount) throws SQLException {
        for (int i = 0; i < columnCount; i++) {
            if (values[i] instanceof Value.Text text) {
                writer.text(text.text());
            } else {
                writer.nullValue();
            }
        }
    }

    private static void writeRow(CopyTextWriter writer, PendingRow row, int[] keyColumns, int columnCount)
            throws SQLException {
        Value[] values = row.values();
        if (row.delete()) {
            for (int i = 0; i < columnCount; i++) {
                if (isKey(keyColumns, i)) {
                    writer.text(((Value.Text) values[i]).text());
                } else {
                    writer.nullValue();
                }
            }
            writer.text("t");
            writer.nullValue();
            writer.nullValue();
            writer.endRow();
            return;
        }
        StringBuilder unchanged = null;
        for (int i = 0; i < columnCount; i++) {
            Value value = values[i];
            if (value instanceof Value.Text text) {
                writer.text(text.text());
            } else {
                writer.nullValue();
                if (value instanceof Value.Unchanged) {
                    if (unchanged == null) {
                        unchanged = new StringBuilder(2 * columnCount + 1).append('{').append("f,".repeat(i));
                    }
                    unchanged.append("t,");
                    continue;
                }
            }
            if (unchanged != null) {
                unchanged.append("f,");
            }
        }
        writer.text("f");
        if (unchanged == null) {
            writer.nullValue();
        } else {
            unchanged.setCharAt(unchanged.length() - 1, '}');
            writer.text(unchanged.toString());
        }
        if (row.baseKey() == null) {
            writer.nullValue();
        } else {
            writer.text(arrayLiteral(row.baseKey()));
        }
        writer.endRow();
    }

    private static boolean isKey(int[] keyColumns, int column) {
        for (int key : keyColumns) {
            if (key == column) {
                return true;
            }
        }
        return false;
    }

    /** A {@code text[]} literal with every element quoted, so no element text is special. */
    static String arrayLiteral(List<String> elements) {
        StringBuilder literal = new StringBuilder("{");
        for (String element : elements) {
            if (literal.length() > 1) {
                literal.append(',');
            }
            literal.append('"').append(element.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return literal.append('}').toString();
    }

    /** The server's message on one line: its DETAIL and WHERE lines say which value failed. */
    static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Fresh rows met a key the destination table already has. */
    private static final class FreshRowsConflict extends RuntimeException {
        private final transient MirroredTable table;

        FreshRowsConflict(MirroredTable table) {
            super(null, null, false, false);
            this.table = table;
        }
    }
}
