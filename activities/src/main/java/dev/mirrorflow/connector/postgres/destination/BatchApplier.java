package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Value;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one collapsed batch and its checkpoint in one transaction: per table a TRUNCATE when the
 * batch truncated it, then COPY of the collapsed rows into a staging table and one MERGE; last
 * the checkpoint row. Either all of it commits or none of it does, so a crash at any point leaves
 * the destination at the previous checkpoint with the matching rows.
 *
 * <p>Values are PostgreSQL text output from the source's pgjdbc session, which pgjdbc pins to
 * DateStyle ISO and UTF8; this destination session is pgjdbc too, so COPY reads them the way the
 * source wrote them.
 */
final class BatchApplier {

    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    private final Connection connection;
    private final CopyManager copyManager;

    BatchApplier(Connection connection) throws SQLException {
        this.connection = connection;
        this.copyManager = connection.unwrap(PGConnection.class).getCopyAPI();
    }

    /**
     * Applies and commits. On failure nothing is committed; the caller rolls back and discards
     * the connection.
     *
     * @throws DestinationException naming the step and table that failed
     */
    void apply(String mirror, ChangeBatch batch, CollapsedBatch collapsed) {
        String context = "mirror " + mirror + ", batch " + batch.batchId();
        for (TableChanges changes : collapsed.tables()) {
            MergeStatements sql = changes.table().statements();
            String table = changes.table().destination().id().toString();
            try (Statement statement = connection.createStatement()) {
                if (changes.truncated()) {
                    statement.execute(sql.truncate());
                }
                if (changes.rows().isEmpty()) {
                    continue;
                }
                long started = System.nanoTime();
                statement.execute(sql.createStaging());
                boolean needsBase = stage(sql.copy(), changes);
                long copied = System.nanoTime();
                if (needsBase) {
                    statement.execute(sql.fillFromBase());
                }
                statement.execute(sql.merge());
                statement.execute(sql.dropStaging());
                if (log.isDebugEnabled()) {
                    log.debug("{}: {} row(s) to {}: staged in {} ms, merged in {} ms", context, changes.rows().size(),
                            table, (copied - started) / 1_000_000, (System.nanoTime() - copied) / 1_000_000);
                }
            } catch (SQLException | IllegalArgumentException e) {
                throw new DestinationException(context + ": applying " + changes.rows().size() + " row(s) to destination"
                        + " table " + table + " failed: " + oneLine(e), e);
            }
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
     * Streams the rows into the staging table and says whether any takes unchanged values from
     * another row, which costs an extra statement only then.
     */
    private boolean stage(String copySql, TableChanges changes) throws SQLException {
        CopyIn copy = copyManager.copyIn(copySql);
        try {
            CopyTextWriter writer = new CopyTextWriter((bytes, length) -> copy.writeToCopy(bytes, 0, length));
            int[] keyColumns = changes.table().keyColumns();
            int columnCount = changes.table().destination().columns().size();
            boolean needsBase = false;
            for (PendingRow row : changes.rows()) {
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
}
