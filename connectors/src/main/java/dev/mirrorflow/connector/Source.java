package dev.mirrorflow.connector;

import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A mirror's source, built by its connector for one activity attempt ({@link MirrorSession}).
 * The activities call it in this order: {@link #validate()}, {@link #setUp()} and {@link
 * #prepare()} at setup, then either {@link #fixStartPosition()} (a mirror without an
 * initial load) or {@link #load}, then {@link #openStream}. Every method may block on the network
 * and is safe to call again after a crash: each is idempotent or picks up what an earlier attempt
 * left. Failures a user must fix, or that say whether a retry helps, are {@link ConnectorFailure}s
 * with one line each.
 */
public interface Source extends AutoCloseable {

    /**
     * Checks everything at the source that would otherwise fail later and less clearly: server
     * settings, privileges, that each table exists and has a key, the spec's source options.
     * Creates nothing.
     */
    void validate();

    /**
     * Creates what the change stream needs at the source (a publication; nothing for MongoDB).
     * Idempotent.
     */
    void setUp();

    /**
     * Finds the mirror's tables (by their identity, so that a renamed table is still found and a
     * dropped one fails the mirror) and records them in the catalog.
     *
     * @return the shape of each mapped table, under the spec's table id
     */
    Map<TableId, TableSchema> prepare();

    /**
     * For a mirror without an initial load: fixes the position its stream will start from (a
     * replication slot; a saved resume token), before the mirror is recorded RUNNING, so that
     * nothing a user writes from then on is missed. Does nothing when it exists.
     */
    void fixStartPosition();

    /**
     * Copies the mapped tables into the destination in partitions, several at a time, each
     * finished partition recorded so that a restart copies only the rest. The position the
     * stream starts from afterwards is fixed (and saved) before the first row is read, so that
     * the load and the stream from it add up to exactly the source. Stops at a partition
     * boundary once the session's heartbeat asks to stop.
     */
    SnapshotLoadResult load(int loadGeneration, Map<TableId, TableSchema> schemas, Destination destination,
            SnapshotProgressListener progress);

    /**
     * Opens the mirror's change stream. First it takes the source's stream position for itself
     * (another worker trying the same fails, retryably, before touching anything) and finds the
     * tables; then {@code prepareDestination} gets their shapes, brings the destination up to
     * them and returns the destination's checkpoint; the stream starts after that checkpoint
     * (empty: from the position fixed at setup or by the load).
     *
     * @throws RuntimeException a {@link ConnectorFailure} when that position is gone from the
     *     source (non-retryable, saying to resync) or the stream cannot start now (retryable)
     */
    ChangeStream openStream(StreamOptions options,
            Function<Map<TableId, TableSchema>, Optional<String>> prepareDestination);

    /**
     * For tables an edit adds: checks them as {@link #validate()} does, adds them to what the
     * stream reads, and waits until whatever copies them next sees every transaction that wrote
     * them before they were added.
     *
     * @return the shape of every mapped table of the edited mirror, under the spec's table ids
     */
    Map<TableId, TableSchema> addTables(List<TableMapping> added, boolean loading);

    /**
     * Copies the tables an edit added, at one consistent view of the source taken after they
     * were added; an attempt that finds an earlier attempt's partitions loads them from scratch.
     */
    SnapshotLoadResult loadAddedTables(List<TableMapping> added, Map<TableId, TableSchema> schemas,
            int loadGeneration, Destination destination);

    /** Stops reading the tables an edit removes (the stream ignores them from now on). */
    void releaseTables(List<TableMapping> removed);

    /** Drops the position the mirror streams from, so that a resync's load fixes a new one. */
    void resetForResync();

    /**
     * Removes what the mirror created at the source (its slot, its own publication).
     *
     * @return what could not be removed
     */
    List<Leftover> tearDown();

    /** A probe of the source's positions for the lag gauges, while the mirror's load or stream runs. */
    PositionProbe positionProbe();

    @Override
    void close();

    /**
     * How the stream batches: at most {@code batchSize} changes, a partly full batch closed after
     * the idle time, or sooner once the source has been quiet for {@code linger} and the
     * destination has applied every earlier batch (a source may ignore the linger). A batch also
     * closes once its changes hold about {@code maxBatchBytes} bytes of values, so that wide rows
     * cannot fill the worker's heap; it holds at least one change however large.
     */
    record StreamOptions(int batchSize, java.time.Duration idleTimeout, long firstBatchId, java.time.Duration linger,
            long maxBatchBytes) {

        public StreamOptions {
            if (maxBatchBytes < 1) {
                throw new IllegalArgumentException("maxBatchBytes must be positive, got " + maxBatchBytes);
            }
        }

        /** Options whose partly full batches close only after the idle time. */
        public StreamOptions(int batchSize, java.time.Duration idleTimeout, long firstBatchId) {
            this(batchSize, idleTimeout, firstBatchId, idleTimeout, dev.mirrorflow.model.MirrorSpec.DEFAULT_BATCH_BYTES);
        }
    }
}
