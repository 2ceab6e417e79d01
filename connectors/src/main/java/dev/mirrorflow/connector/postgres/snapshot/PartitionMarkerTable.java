package dev.mirrorflow.connector.postgres.snapshot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;

/**
 * {@code _mirrorflow.snapshot_partitions} in the destination: one row per partition that is in
 * the destination, written by the same transaction that copied the partition's rows. Reading it
 * tells a restarted load whether a partition the catalog does not know as done is nevertheless
 * already there (the worker died after the destination commit and before the catalog update).
 */
public final class PartitionMarkerTable {

    static final String TABLE = "_mirrorflow.snapshot_partitions";

    private PartitionMarkerTable() {}

    /**
     * Creates the schema and table when missing. Call once per load before the workers start:
     * concurrent {@code CREATE ... IF NOT EXISTS} of the same table can still fail on a catalog
     * unique index in PostgreSQL.
     */
    public static void ensure(Connection destination) throws SQLException {
        boolean autoCommit = destination.getAutoCommit();
        destination.setAutoCommit(true);
        try (Statement st = destination.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS _mirrorflow");
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " ("
                    + " mirror text NOT NULL,"
                    + " load_generation int NOT NULL,"
                    + " table_name text NOT NULL,"
                    + " partition_no int NOT NULL,"
                    + " rows bigint NOT NULL,"
                    + " finished_at timestamptz NOT NULL DEFAULT now(),"
                    + " PRIMARY KEY (mirror, load_generation, table_name, partition_no))");
        } finally {
            destination.setAutoCommit(autoCommit);
        }
    }

    /** The rows a partition brought, if its copy committed. */
    public static OptionalLong find(Connection destination, String mirror, int generation, String table, int partitionNo)
            throws SQLException {
        try (PreparedStatement ps = destination.prepareStatement("SELECT rows FROM " + TABLE
                + " WHERE mirror = ? AND load_generation = ? AND table_name = ? AND partition_no = ?")) {
            bindKey(ps, mirror, generation, table, partitionNo);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    /**
     * Writes the marker inside the caller's transaction. Returns false when another transaction
     * already committed a marker for the partition (two attempts copied it at once); the caller
     * must then roll back, so the rows it copied are not there twice.
     */
    public static boolean record(Connection destination, String mirror, int generation, String table, int partitionNo,
            long rows) throws SQLException {
        try (PreparedStatement ps = destination.prepareStatement("INSERT INTO " + TABLE
                + " (mirror, load_generation, table_name, partition_no, rows) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
            bindKey(ps, mirror, generation, table, partitionNo);
            ps.setLong(5, rows);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Forgets the markers of a load, for a resync that empties the destination tables and loads
     * them again under the same generation. Returns how many were removed.
     */
    public static int forget(Connection destination, String mirror, int generation) throws SQLException {
        try (PreparedStatement ps = destination.prepareStatement(
                "DELETE FROM " + TABLE + " WHERE mirror = ? AND load_generation = ?")) {
            ps.setString(1, mirror);
            ps.setInt(2, generation);
            return ps.executeUpdate();
        }
    }

    private static void bindKey(PreparedStatement ps, String mirror, int generation, String table, int partitionNo)
            throws SQLException {
        ps.setString(1, mirror);
        ps.setInt(2, generation);
        ps.setString(3, table);
        ps.setInt(4, partitionNo);
    }
}
