package dev.mirrorflow.connector.postgres.destination;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * {@code _mirrorflow.checkpoints}: one row per mirror with the source position of the last batch
 * the destination committed. It lives in the destination so that a batch's rows and its position
 * commit in one transaction; the stream resumes from here and nothing else.
 */
final class CheckpointTable {

    static final String SCHEMA = "_mirrorflow";

    private static final String CREATE = """
            CREATE TABLE IF NOT EXISTS _mirrorflow.checkpoints (
                mirror text PRIMARY KEY,
                position text NOT NULL,
                batch_id bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now())""";

    private static final String WRITE = """
            INSERT INTO _mirrorflow.checkpoints AS c (mirror, position, batch_id) VALUES (?, ?, ?)
            ON CONFLICT (mirror) DO UPDATE
            SET position = excluded.position, batch_id = excluded.batch_id, updated_at = now()""";

    private static final String READ = "SELECT position FROM _mirrorflow.checkpoints WHERE mirror = ?";

    private static final String UNDEFINED_TABLE = "42P01";

    private CheckpointTable() {
    }

    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            statement.execute(CREATE);
        }
    }

    /** Stores the position in the caller's transaction, which also holds the batch's rows. */
    static void write(Connection connection, String mirror, String position, long batchId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(WRITE)) {
            statement.setString(1, mirror);
            statement.setString(2, position);
            statement.setLong(3, batchId);
            statement.executeUpdate();
        }
    }

    /** The stored position; empty when the mirror never committed a batch or nothing was prepared yet. */
    static Optional<String> read(Connection connection, String mirror) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(READ)) {
            statement.setString(1, mirror);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
