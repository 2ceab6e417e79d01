package dev.mirrorflow.connector.postgres.destination;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code _mirrorflow.source_columns}: which source column (by attribute number, which a rename
 * keeps) each column of a destination table came from, and which source columns the mapping
 * excludes. A Relation message names columns but does not number them, and after a restart the
 * first one already carries a renamed column's new name: only this record tells the destination
 * that its column {@code qty} is the source's {@code quantity} now, or that a renamed excluded
 * column is still the excluded one. It is written in the transaction of the DDL it describes.
 *
 * <p>Rows are keyed by the destination table's oid and the source attribute number, and name the
 * destination column by its own attribute number, so renaming the destination column changes
 * nothing here. Dropping the table leaves rows that no table reads until a new table gets that
 * oid, which deletes them first.
 */
final class SourceColumnsTable {

    /**
     * What the record says of one source column.
     *
     * @param destinationAttnum the destination column it went to; 0 when excluded
     * @param excludedAs the name under which the mapping excluded it; null when not excluded
     */
    record Entry(int destinationAttnum, String excludedAs) {

        boolean excluded() {
            return excludedAs != null;
        }
    }

    private static final String CREATE = """
            CREATE TABLE IF NOT EXISTS _mirrorflow.source_columns (
                destination_table oid NOT NULL,
                source_attnum int NOT NULL,
                destination_attnum int,
                excluded_as text,
                PRIMARY KEY (destination_table, source_attnum),
                CHECK ((destination_attnum IS NULL) <> (excluded_as IS NULL)))""";

    private static final String READ = """
            SELECT source_attnum, coalesce(destination_attnum, 0), excluded_as FROM _mirrorflow.source_columns
             WHERE destination_table = ?::oid""";

    private static final String WRITE = """
            INSERT INTO _mirrorflow.source_columns AS s (destination_table, source_attnum, destination_attnum, excluded_as)
            VALUES (?::oid, ?, ?, ?)
            ON CONFLICT (destination_table, source_attnum) DO UPDATE
            SET destination_attnum = excluded.destination_attnum, excluded_as = excluded.excluded_as""";

    private SourceColumnsTable() {
    }

    /** Creates the table; {@code _mirrorflow} exists already (see {@link CheckpointTable#create}). */
    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(CREATE);
        }
    }

    /** Source attribute number -> entry, for destination table {@code relation}. */
    static Map<Integer, Entry> read(Connection connection, long relation) throws SQLException {
        Map<Integer, Entry> entries = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(READ)) {
            statement.setLong(1, relation);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    entries.put(rows.getInt(1), new Entry(rows.getInt(2), rows.getString(3)));
                }
            }
        }
        return entries;
    }

    static void write(Connection connection, long relation, int sourceAttnum, Entry entry) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(WRITE)) {
            statement.setLong(1, relation);
            statement.setInt(2, sourceAttnum);
            if (entry.excluded()) {
                statement.setNull(3, java.sql.Types.INTEGER);
            } else {
                statement.setInt(3, entry.destinationAttnum());
            }
            statement.setString(4, entry.excludedAs());
            statement.executeUpdate();
        }
    }

    /** Forgets what was recorded under {@code relation}: a new table got that oid, or the table goes. */
    static void forget(Connection connection, long relation) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM _mirrorflow.source_columns WHERE destination_table = ?::oid")) {
            statement.setLong(1, relation);
            statement.executeUpdate();
        }
    }
}
