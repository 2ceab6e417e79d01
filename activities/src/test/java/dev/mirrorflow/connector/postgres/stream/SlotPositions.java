package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.postgres.Lsn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Where a source's WAL and a slot stand, for the stream tests. */
final class SlotPositions {

    private SlotPositions() {}

    static Lsn currentWal(Connection source) throws SQLException {
        try (Statement s = source.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.valueOf(rs.getString(1));
        }
    }

    static Lsn confirmedFlush(Connection source, String slot) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Lsn.valueOf(rs.getString(1));
            }
        }
    }
}
