package dev.mirrorflow.activities;

import dev.mirrorflow.connector.PositionProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How far one mirror's destination is behind its source, in bytes (where the source counts them)
 * and in time.
 *
 * <p>Bytes are what the slot says: the server's current position minus the slot's confirmed
 * position, as of the last probe. Time needs a clock on the source's side, which pgoutput does not
 * give per change, so it is measured with the probes themselves: each probe notes when the source
 * was at which position. Once the destination has applied up to a noted position (a confirmed
 * slot position or an applied batch), everything the source had written at that moment is at the
 * destination. The lag in time is then {@code now} minus the newest such moment: an upper bound,
 * accurate to the probe interval, and 0 plus that interval for a mirror that keeps up, even when
 * the source is idle. Before the destination reached any noted position (a stream catching up
 * after a pause or a long load) it is {@code now} minus the oldest noted moment not reached yet, a
 * lower bound that grows until the stream catches up.
 *
 * <p>The noted moments survive from one activity to the next on this worker (a paused mirror that
 * resumes is as far behind as the time it spent paused), and are forgotten on a resync, whose
 * destination starts over. Written by the activity thread, read by the metrics collector.
 */
final class ReplicationLag {

    /** Enough for an hour of catching up at one probe every 5 s; older moments are dropped first. */
    private static final int MAX_MOMENTS = 720;

    private record Moment(Instant at, long position) {}

    private final ArrayDeque<Moment> notReached = new ArrayDeque<>();
    private long applied = Long.MIN_VALUE;
    private Instant reachedAt;
    private OptionalLong unconfirmedBytes = OptionalLong.empty();
    private OptionalLong retainedBytes = OptionalLong.empty();

    /** What a probe at {@code at} found. */
    synchronized void probed(Instant at, PositionProbe.Positions positions) {
        unconfirmedBytes = positions.unconfirmedBytes();
        retainedBytes = positions.retainedBytes();
        positions.confirmed().ifPresent(this::advance);
        if (positions.current().isEmpty()) {
            return;
        }
        long current = positions.current().getAsLong();
        if (current <= applied) {
            reachedAt = at;
            return;
        }
        // Dropping the oldest moment only makes the reading more conservative: a later moment
        // counts as reached no earlier than the dropped one would have.
        if (notReached.size() == MAX_MOMENTS) {
            notReached.removeFirst();
        }
        notReached.addLast(new Moment(at, current));
    }

    /** The destination committed everything up to {@code position}. */
    synchronized void applied(long position) {
        advance(position);
    }

    private void advance(long position) {
        if (position > applied) {
            applied = position;
        }
        while (!notReached.isEmpty() && notReached.peekFirst().position() <= applied) {
            reachedAt = notReached.removeFirst().at();
        }
    }

    synchronized OptionalLong unconfirmedBytes() {
        return unconfirmedBytes;
    }

    synchronized OptionalLong retainedBytes() {
        return retainedBytes;
    }

    /** The lag in time as described above; empty before the first probe. */
    synchronized Optional<Duration> behind(Instant now) {
        Instant since = reachedAt != null ? reachedAt : notReached.isEmpty() ? null : notReached.peekFirst().at();
        if (since == null) {
            return Optional.empty();
        }
        Duration lag = Duration.between(since, now);
        return Optional.of(lag.isNegative() ? Duration.ZERO : lag);
    }
}
