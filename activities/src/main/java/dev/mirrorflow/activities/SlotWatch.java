package dev.mirrorflow.activities;

import dev.mirrorflow.connector.PositionProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a mirror's {@link ReplicationLag} while its load or stream runs: applied positions as the
 * activity reports them, and the source's positions (a slot's, a change stream's) read at most
 * once per interval through the source's {@link PositionProbe}.
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

    private final String mirror;
    private final String slot;
    private final PositionProbe source;
    private final ReplicationLag lag;
    private final long intervalNanos;
    private final BooleanSupplier wanted;
    private final Runnable onClose;

    private long lastProbe;
    private boolean probed;
    private boolean warned;

    SlotWatch(String mirror, PositionProbe source, ReplicationLag lag, Duration interval,
            BooleanSupplier wanted, Runnable onClose) {
        this.mirror = mirror;
        this.slot = source.streamName();
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
            source.read().ifPresent(p -> lag.probed(at, p));
        } catch (Exception e) {
            source.close();
            if (!warned) {
                warned = true;
                log.warn("mirror {}: cannot read the positions of slot {} for the replication lag metrics, trying"
                        + " again every {}s: {}", mirror, slot, intervalNanos / 1_000_000_000L, firstLine(e));
            } else {
                log.debug("mirror {}: reading the positions of slot {} failed again: {}", mirror, slot, firstLine(e));
            }
        }
    }

    /** The destination committed everything up to {@code position}. */
    void applied(String position) {
        java.util.OptionalLong order = source.order(position);
        if (order.isPresent()) {
            lag.applied(order.getAsLong());
        } else {
            log.debug("mirror {}: batch position {} is not one of its source's; the lag ignores it", mirror, position);
        }
    }

    @Override
    public void close() {
        source.close();
        onClose.run();
    }


    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
