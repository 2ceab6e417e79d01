package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.connector.CaughtUpProbe;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A marker in the source's WAL after everything committed so far (a non-transactional logical
 * decoding message): once the mirror's slot is confirmed past it, everything before it reached
 * the destination.
 */
public final class SlotCaughtUpProbe implements CaughtUpProbe {

    /** The prefix of the marker written into the source's WAL. */
    public static final String MARKER = "mirrorflow_caught_up";

    private final Connection connection;
    private final String slot;
    private final Lsn target;
    private Lsn confirmed = Lsn.INVALID;

    private SlotCaughtUpProbe(Connection connection, String slot, Lsn target) {
        this.connection = connection;
        this.slot = slot;
        this.target = target;
    }

    /** Writes the marker on {@code connection}, which the probe then owns. */
    public static SlotCaughtUpProbe open(Connection connection, String slot) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_logical_emit_message(false, '" + MARKER + "', '')::text")) {
            rs.next();
            return new SlotCaughtUpProbe(connection, slot, Lsn.valueOf(rs.getString(1)));
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    @Override
    public String target() {
        return target.toString();
    }

    @Override
    public boolean reached() throws SQLException {
        confirmed = SlotPositions.read(connection, slot, 5).map(SlotPositions::confirmedFlush).orElse(Lsn.INVALID);
        return confirmed.compareTo(target) >= 0;
    }

    @Override
    public String position() {
        return confirmed.toString();
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
