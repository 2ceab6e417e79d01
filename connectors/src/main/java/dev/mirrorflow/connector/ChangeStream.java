package dev.mirrorflow.connector;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A source's changes for one mirror, in the order the source committed them, cut into batches
 * that a destination applies one transaction each.
 *
 * <p>Positions are opaque text (an LSN for PostgreSQL, a resume token for MongoDB) that only the
 * source interprets: the destination stores each batch's position with its rows, and a stream
 * opened again from a stored position yields exactly the changes after it (or, where the source
 * cannot be that exact, replays some of them onto the destination's idempotent apply; never
 * fewer). One thread uses a stream; it is not shared.
 */
public interface ChangeStream extends AutoCloseable {

    /**
     * The next batch. Blocks until a batch is full, the source has sent nothing for the
     * stream's idle time while a batch is open, or {@code stop} turns true; while it waits it
     * calls {@code tick} at least every second, so the caller can heartbeat and run its checks
     * (which may throw to end the stream). A quiet source still yields empty batches now and then
     * whose position moved on, so that an idle mirror's position does not fall behind what the
     * source keeps.
     *
     * @return empty when {@code stop} turned true before a batch was complete; what was read of an
     *     incomplete batch is read again by the next stream
     * @throws RuntimeException a {@link ConnectorFailure} saying what went wrong and whether a
     *     retry can succeed, for failures of the source
     */
    Optional<ChangeBatch> nextBatch(BooleanSupplier stop, Runnable tick) throws InterruptedException;

    /**
     * Makes a {@link #nextBatch} that is waiting look at its {@code stop} again now rather than at
     * its next tick (see {@link Heartbeat#onStopRequested}). Unlike the other methods it may be
     * called from any thread. This default does nothing.
     */
    default void wake() {}

    /**
     * Tells the source that the destination committed {@code batch} and every batch before it,
     * so the source may forget what lies at or before its position. Call it only after that
     * commit; it does not block on the network for long.
     */
    void acknowledge(ChangeBatch batch);

    /** The position of the last acknowledged batch, or the one the stream was opened at; never null. */
    String confirmedPosition();

    @Override
    void close();
}
