package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * {@code _mirrorflow.mirror_tables}: which mirror each destination table belongs to, and whether
 * mirrorflow created it. Only a table mirrorflow created for a mirror may be dropped or recreated
 * for it; a table that existed before (a user's, pre-created as PeerDB and Debezium users do) is
 * written to but never dropped. The row of a created table is written in the transaction of its
 * CREATE TABLE, so no table mirrorflow created can lack it and no row can name a table it did
 * not create.
 *
 * <p>Rows are keyed by the table's oid and hold its name, and a row counts only while both match:
 * a user's table that later takes the name of a dropped mirrorflow table is not mirrorflow's, nor
 * is one that, after the oid counter wrapped around, got the oid of a table dropped by hand. A table without a row (one that existed before, or one
 * prepared before this record was kept) is not mirrorflow's: not knowing who created it, mirrorflow
 * keeps it.
 */
final class MirrorTablesTable {

    /** The mirror a table belongs to, and whether mirrorflow created it for that mirror. */
    record Claim(String mirror, boolean created) {}

    private static final String CREATE = """
            CREATE TABLE IF NOT EXISTS _mirrorflow.mirror_tables (
                destination_table oid PRIMARY KEY,
                table_name text NOT NULL,
                mirror text NOT NULL,
                created boolean NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now())""";

    private static final String WRITE = """
            INSERT INTO _mirrorflow.mirror_tables AS t (destination_table, table_name, mirror, created)
            VALUES (?::oid, ?, ?, ?)
            ON CONFLICT (destination_table) DO UPDATE
            SET table_name = excluded.table_name, mirror = excluded.mirror, created = excluded.created,
                recorded_at = now()""";

    private MirrorTablesTable() {
    }

    /** Creates the table; {@code _mirrorflow} exists already (see {@link CheckpointTable#create}). */
    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(CREATE);
        }
    }

    /** Whether the record exists at all: before any mirror prepared this destination, it does not. */
    static boolean exists(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT to_regclass('_mirrorflow.mirror_tables') IS NOT NULL")) {
            rows.next();
            return rows.getBoolean(1);
        }
    }

    /**
     * Who table {@code relation}, named {@code table}, belongs to; empty when to no mirror (or the
     * record does not exist yet).
     */
    static Optional<Claim> claimOf(Connection connection, long relation, TableId table) throws SQLException {
        if (!exists(connection)) {
            return Optional.empty();
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT mirror, created FROM _mirrorflow.mirror_tables WHERE destination_table = ?::oid"
                        + " AND table_name = ?")) {
            statement.setLong(1, relation);
            statement.setString(2, table.quoted());
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Claim(rows.getString(1), rows.getBoolean(2))) : Optional.empty();
            }
        }
    }

    /** Records, in the caller's transaction, that {@code relation} belongs to {@code mirror}. */
    static void write(Connection connection, long relation, TableId table, String mirror, boolean created)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(WRITE)) {
            statement.setLong(1, relation);
            statement.setString(2, table.quoted());
            statement.setString(3, mirror);
            statement.setBoolean(4, created);
            statement.executeUpdate();
        }
    }

    /** Forgets whom {@code relation} belonged to: it is dropped, or handed over to the user. */
    static void release(Connection connection, long relation) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "DELETE FROM _mirrorflow.mirror_tables WHERE destination_table = ?::oid")) {
            statement.setLong(1, relation);
            statement.executeUpdate();
        }
    }
}
