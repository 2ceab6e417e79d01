package dev.mirrorflow.connector.postgres.slot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a replication slot stands against its server's write-ahead log, read in one query: the
 * server's current position, the position the slot's consumer confirmed (everything before it is
 * at the destination), and the oldest position the slot still needs (the server keeps all WAL
 * from there on, which is what a stalled mirror costs the source in disk).
 *
 * @param current the server's current WAL position (its replay position on a standby)
 * @param confirmedFlush the slot's {@code confirmed_flush_lsn}; {@link Lsn#INVALID} when unknown
 * @param restart the slot's {@code restart_lsn}; {@link Lsn#INVALID} once the slot lost its WAL
 */
public record SlotPositions(Lsn current, Lsn confirmedFlush, Lsn restart) {

    private static final String QUERY = "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
            + " ELSE pg_current_wal_lsn() END)::text, confirmed_flush_lsn::text, restart_lsn::text"
            + " FROM pg_replication_slots WHERE slot_name = ?";

    /**
     * Reads the slot's positions on a normal (not replication) connection to the slot's database.
     * Empty when the slot does not exist (yet).
     *
     * @param timeoutSeconds how long the query may take: callers run this between units of work
     *     and must not be held up by a busy server
     */
    public static Optional<SlotPositions> read(Connection connection, String slot, int timeoutSeconds)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(QUERY)) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotPositions(lsn(rs.getString(1)), lsn(rs.getString(2)), lsn(rs.getString(3))));
            }
        }
    }

    /** WAL the server has written and the slot's consumer has not confirmed yet, in bytes. */
    public OptionalLong unconfirmedBytes() {
        return distance(confirmedFlush);
    }

    /** WAL the server keeps for this slot, in bytes. */
    public OptionalLong retainedBytes() {
        return distance(restart);
    }

    private OptionalLong distance(Lsn from) {
        if (!current.isValid() || !from.isValid()) {
            return OptionalLong.empty();
        }
        // A consumer can confirm a little past the current position (it confirms what keepalives
        // announced), which is no lag at all rather than a negative one.
        return OptionalLong.of(Math.max(0, current.asLong() - from.asLong()));
    }

    private static Lsn lsn(String text) {
        return text == null ? Lsn.INVALID : Lsn.valueOf(text);
    }

    /** These positions as the lag telemetry reads them: LSNs as numbers, bytes as WAL bytes. */
    public dev.mirrorflow.connector.PositionProbe.Positions asProbed() {
        return new dev.mirrorflow.connector.PositionProbe.Positions(
                current.isValid() ? OptionalLong.of(current.asLong()) : OptionalLong.empty(),
                confirmedFlush.isValid() ? OptionalLong.of(confirmedFlush.asLong()) : OptionalLong.empty(),
                unconfirmedBytes(), retainedBytes());
    }
}
