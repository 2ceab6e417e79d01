package dev.mirrorflow.activities;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import dev.mirrorflow.connector.postgres.snapshot.ConnectionFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a mirror's {@link ReplicationLag} while its load or stream runs: applied positions as the
 * activity reports them, and the slot's positions read at most once per interval.
 *
 * <p>{@link #poll()} is called on the activity's thread between units of work, so a probe never
 * races the work and needs no thread of its own. It uses a connection of its own, opened on the
 * first probe: the stream's normal connection belongs to the stream's reader thread, and the
 * slot's replication connection speaks only the simple protocol and must stay idle during a load
 * for its exported snapshot to live. Nothing is read until a metric reader has collected the lag
 * gauges once, so a worker with metrics off never queries its sources for them. A failing probe
 * never fails the activity: it is logged once and tried again after the interval.
 */
final class SlotWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlotWatch.class);
    private static final int QUERY_TIMEOUT_SECONDS = 5;

    private final String mirror;
    private final String slot;
    private final ConnectionFactory source;
    private final ReplicationLag lag;
    private final long intervalNanos;
    private final BooleanSupplier wanted;
    private final Runnable onClose;

    private Connection connection;
    private long lastProbe;
    private boolean probed;
    private boolean warned;

    SlotWatch(String mirror, String slot, ConnectionFactory source, ReplicationLag lag, Duration interval,
            BooleanSupplier wanted, Runnable onClose) {
        this.mirror = mirror;
        this.slot = slot;
        this.source = source;
        this.lag = lag;
        this.intervalNanos = interval.toNanos();
        this.wanted = wanted;
        this.onClose = onClose;
    }

    /** Reads the slot's positions if they are wanted and the last read is an interval old. */
    void poll() {
        if (!wanted.getAsBoolean()) {
            return;
        }
        long now = System.nanoTime();
        if (probed && now - lastProbe < intervalNanos) {
            return;
        }
        probed = true;
        lastProbe = now;
        // The moment is taken before the query reads the current position, so that the position
        // is at least where the source was then and the lag in time errs on the high side.
        Instant at = Instant.now();
        try {
            if (connection == null) {
                connection = source.open();
            }
            SlotPositions.read(connection, slot, QUERY_TIMEOUT_SECONDS).ifPresent(p -> lag.probed(at, p));
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            if (!warned) {
                warned = true;
                log.warn("mirror {}: cannot read the positions of slot {} for the replication lag metrics, trying"
                        + " again every {}s: {}", mirror, slot, intervalNanos / 1_000_000_000L, firstLine(e));
            } else {
                log.debug("mirror {}: reading the positions of slot {} failed again: {}", mirror, slot, firstLine(e));
            }
        }
    }

    /** The destination committed everything up to {@code position} (an LSN in text form). */
    void applied(String position) {
        try {
            lag.applied(Lsn.valueOf(position));
        } catch (IllegalArgumentException e) {
            log.debug("mirror {}: batch position {} is not an LSN; the lag ignores it", mirror, position);
        }
    }

    @Override
    public void close() {
        closeConnection();
        onClose.run();
    }

    private void closeConnection() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("closing the slot probe connection of mirror {}: {}", mirror, e.getMessage());
        }
        connection = null;
    }

    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
