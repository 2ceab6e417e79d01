package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.PartitionRows;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.postgres.snapshot.PartitionMarkerTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes load partitions that a source of another kind read (a MongoDB collection's documents)
 * into PostgreSQL: COPY straight into the destination table and the partition's marker, in one
 * transaction; in binary format when every copied column is text or JSON ({@link
 * CopyBinaryWriter}, which the server takes more cheaply), else in text format. When some of the partition's keys are there already (rows the
 * change stream of an earlier attempt brought), the partition is read again into a staging table
 * and upserted, the newer values winning; the stream, which replays from before the load, settles
 * the rest. A table that {@link PostgresDestination#prepareLoad} took the key off is written
 * without it, and {@link #tableLoaded} builds the key once its last partition is in.
 */
final class RowPartitionWriter implements Destination.PartitionWriter {

    private static final Logger log = LoggerFactory.getLogger(RowPartitionWriter.class);
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String STAGING_TABLE = "mirrorflow_load_staging";
    /** The types whose binary COPY form is their text's UTF-8 bytes (jsonb: after a version byte). */
    private static final Set<String> BINARY_AS_TEXT = Set.of("text", "varchar", "json", "jsonb");

    private final SnapshotLoad load;
    private final Connection connection;

    RowPartitionWriter(SnapshotLoad load, DataSource destination) {
        this.load = load;
        try {
            this.connection = destination.getConnection();
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            throw new DestinationException(load + ": cannot connect to the destination: " + BatchApplier.oneLine(e), e);
        }
    }

    @Override
    public PartitionCopy write(TableLoad table, SnapshotPartition partition, PartitionRows rows) throws Exception {
        String tableName = table.partitionTableName();
        int partitionNo = partition.partitionNo();
        OptionalLong marker = PartitionMarkerTable.find(connection, load.mirrorName(), load.loadGeneration(),
                tableName, partitionNo);
        connection.rollback();
        if (marker.isPresent()) {
            return new PartitionCopy(tableName, partitionNo, PartitionCopy.How.FOUND_IN_DESTINATION,
                    marker.getAsLong(), 0, false);
        }
        try {
            PartitionCopy.How how = PartitionCopy.How.COPIED;
            long[] copied;
            try {
                copied = copy(rows, table.destination(), table.columns());
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState()) || table.keyColumns().isEmpty()) {
                    throw e;
                }
                connection.rollback();
                log.warn("{}: partition {} of {} holds keys the destination already has; writing it again through a"
                        + " staging table and upserting", load, partitionNo, tableName);
                copied = upsert(rows, table);
                how = PartitionCopy.How.UPSERTED;
            }
            if (!PartitionMarkerTable.record(connection, load.mirrorName(), load.loadGeneration(), tableName,
                    partitionNo, copied[0])) {
                connection.rollback();
                return new PartitionCopy(tableName, partitionNo, PartitionCopy.How.FOUND_IN_DESTINATION, copied[0], 0,
                        false);
            }
            connection.commit();
            return new PartitionCopy(tableName, partitionNo, how, copied[0], copied[1], true);
        } catch (Exception e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    @Override
    public void tableLoaded(TableLoad table) throws SQLException {
        LoadTimeKeys.ensureForConvertedRows(connection, load.mirrorName(), table);
    }

    /** @return rows and bytes written */
    private long[] copy(PartitionRows rows, TableId into, List<String> columns) throws Exception {
        Optional<boolean[]> binary = binaryColumns(into, columns);
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + into.quoted() + " ("
                + TableLoad.quotedList(columns) + ") FROM STDIN" + (binary.isPresent() ? " (FORMAT binary)" : ""));
        long[] bytes = new long[1];
        CopyTextWriter.Sink sink = (chunk, length) -> {
            copy.writeToCopy(chunk, 0, length);
            bytes[0] += length;
        };
        try {
            if (binary.isPresent()) {
                CopyBinaryWriter writer = new CopyBinaryWriter(sink, binary.get());
                rows.read(values -> {
                    writer.startRow();
                    for (int i = 0; i < values.length; i++) {
                        if (values[i] instanceof Value.Text text) {
                            writer.text(i, text.text());
                        } else {
                            writer.nullValue();
                        }
                    }
                });
                writer.finish();
            } else {
                CopyTextWriter writer = new CopyTextWriter(sink);
                rows.read(values -> {
                    for (Value value : values) {
                        if (value instanceof Value.Text text) {
                            writer.text(text.text());
                        } else {
                            writer.nullValue();
                        }
                    }
                    writer.endRow();
                });
                writer.flush();
            }
            long written = copy.endCopy();
            return new long[] {written, bytes[0]};
        } finally {
            if (copy.isActive()) {
                try {
                    copy.cancelCopy();
                } catch (SQLException ignored) {
                    // The failure that got here is the one to report.
                }
            }
        }
    }

    /**
     * Per copied column, whether it is {@code jsonb}, when every copied column of the table is of
     * a type whose binary form is its text's UTF-8 bytes ({@code text}, {@code varchar}, {@code
     * json}) or that after a version byte ({@code jsonb}); empty when some column is of another
     * type (a user's table), which the text format converts from the values' text instead.
     */
    private Optional<boolean[]> binaryColumns(TableId table, List<String> columns) throws SQLException {
        Map<String, String> types = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT a.attname, t.typname FROM pg_attribute a"
                + " JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = ?::regclass AND a.attnum > 0"
                + " AND NOT a.attisdropped")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        boolean[] jsonb = new boolean[columns.size()];
        for (int i = 0; i < jsonb.length; i++) {
            String type = types.get(columns.get(i));
            if (type == null || !BINARY_AS_TEXT.contains(type)) {
                return Optional.empty();
            }
            jsonb[i] = type.equals("jsonb");
        }
        return Optional.of(jsonb);
    }

    private long[] upsert(PartitionRows rows, TableLoad table) throws Exception {
        List<String> columns = table.columns();
        String columnList = TableLoad.quotedList(columns);
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE TEMPORARY TABLE " + STAGING_TABLE + " ON COMMIT DROP AS SELECT " + columnList
                    + " FROM " + table.destination().quoted() + " WITH NO DATA");
        }
        long[] copied = copy(rows, new TableId("pg_temp", STAGING_TABLE), columns);
        List<String> key = table.keyColumns();
        List<String> rest = columns.stream().filter(c -> !key.contains(c)).toList();
        String onConflict = rest.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + rest.stream()
                .map(c -> TableId.quote(c) + " = EXCLUDED." + TableId.quote(c)).collect(Collectors.joining(", "));
        try (Statement st = connection.createStatement()) {
            st.executeUpdate("INSERT INTO " + table.destination().quoted() + " (" + columnList + ") SELECT "
                    + columnList + " FROM " + STAGING_TABLE + " ON CONFLICT (" + TableLoad.quotedList(key) + ") "
                    + onConflict);
        }
        return copied;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // A connection whose server went away has nothing left to release.
        }
    }
}
