package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.postgres.Lsn;
import dev.mirrorflow.connector.postgres.pgoutput.PgOutputDecoder;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror's change stream from a PostgreSQL replication slot: reads pgoutput, groups changes
 * into batches, and moves the slot only when told that the destination has committed.
 *
 * <p>The caller owns the order of events that makes the pipeline lossless: take a batch with
 * {@link #nextBatch}, commit it with its position to the destination, and only then
 * {@link #acknowledge} it. Until then the server keeps the WAL, and after a crash the stream
 * resumes from the destination's checkpoint and skips what the destination already has.
 *
 * <p>Between batches the stream keeps the connection alive: pgjdbc answers keepalives and
 * reports the position every {@code statusInterval}; when nothing is pending, the position of
 * the server's keepalives is acknowledged, and after {@code heartbeatInterval} of quiet a
 * logical message is written to the source, so a slot whose tables see no traffic still
 * advances and the server can recycle WAL.
 */
public final class PostgresChangeStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PostgresChangeStream.class);
    private static final long POLL_MILLIS = 10;

    private final PGReplicationStream stream;
    private final Connection sql;
    private final ChangeStreamSettings settings;
    private final PgOutputDecoder decoder = new PgOutputDecoder();
    private final ChangeAssembler assembler;

    private long nextBatchId;
    private Lsn confirmed;
    private long lastActivityNanos = System.nanoTime();

    private PostgresChangeStream(PGReplicationStream stream, Connection sql, ChangeStreamSettings settings,
            ChangeAssembler assembler, Lsn resumeAfter, long firstBatchId) {
        this.stream = stream;
        this.sql = sql;
        this.settings = settings;
        this.assembler = assembler;
        this.confirmed = resumeAfter;
        this.nextBatchId = firstBatchId;
    }

    /**
     * Starts streaming from the slot.
     *
     * @param replication a replication connection ({@code replication=database}) on which the
     *     caller already holds the slot (see the slot acquisition contract)
     * @param sql a normal connection to the same source database, for type names and heartbeats
     * @param resumeAfter the destination's checkpoint; transactions that ended at or before it
     *     are not delivered again. {@link Lsn#INVALID} to start from the slot's position.
     * @param firstBatchId the id of the first batch this stream hands out
     */
    public static PostgresChangeStream start(Connection replication, Connection sql, ChangeStreamSettings settings,
            Lsn resumeAfter, long firstBatchId) throws SQLException {
        PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(settings.slotName())
                .withStartPosition(LogSequenceNumber.valueOf(resumeAfter.asLong()))
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", settings.publicationName())
                .withSlotOption("messages", true)
                .withStatusInterval((int) settings.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
                .start();
        log.info("streaming slot {} (publication {}) after {}", settings.slotName(), settings.publicationName(),
                resumeAfter);
        return new PostgresChangeStream(stream, sql, settings, new ChangeAssembler(new TypeNames(sql), resumeAfter),
                resumeAfter, firstBatchId);
    }

    /**
     * Reads until a batch is ready: {@code maxBatchRows} row changes, or the oldest pending
     * change is {@code idleTimeout} old and nothing more is waiting to be read. Returns empty when {@code stop} turns true with nothing
     * pending; with changes pending, a stop hands them out as a last batch so no read change is
     * left unapplied.
     *
     * @param tick called about every poll while waiting, e.g. to heartbeat a Temporal activity
     */
    public Optional<ChangeBatch> nextBatch(BooleanSupplier stop, Runnable tick) throws SQLException, InterruptedException {
        long idleNanos = settings.idleTimeout().toNanos();
        long firstChangeNanos = 0;
        while (true) {
            ByteBuffer message = stream.readPending();
            long now = System.nanoTime();
            if (message != null) {
                boolean hadPending = assembler.hasPending();
                decoder.decode(message, assembler);
                lastActivityNanos = now;
                if (!hadPending && assembler.hasPending()) {
                    firstChangeNanos = now;
                }
                if (assembler.pendingRows() >= settings.maxBatchRows()) {
                    return Optional.of(batch());
                }
                continue;
            }
            // The oldest pending change waits at most idleTimeout, so a steady trickle of
            // changes cannot hold a batch back and the lag stays bounded.
            if (assembler.hasPending() && (now - firstChangeNanos >= idleNanos || stop.getAsBoolean())) {
                return Optional.of(batch());
            }
            if (!assembler.hasPending()) {
                if (stop.getAsBoolean()) {
                    return Optional.empty();
                }
                keepSlotMoving(now);
            }
            tick.run();
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Confirms to the server that the destination committed the batch, so the slot may move
     * past it. Call only after that commit.
     */
    public void acknowledge(ChangeBatch batch) throws SQLException {
        confirm(Lsn.valueOf(batch.position()));
    }

    /** The newest position confirmed to the server by this stream. */
    public Lsn confirmedPosition() {
        return confirmed;
    }

    /** How many replayed transactions were skipped because the destination already had them. */
    public long skippedTransactions() {
        return assembler.skippedTransactions();
    }

    private ChangeBatch batch() {
        ChangeAssembler.Drained d = assembler.drain();
        return new ChangeBatch(nextBatchId++, d.changes(), d.position().toString());
    }

    private void keepSlotMoving(long now) throws SQLException {
        if (assembler.inTransaction()) {
            return;
        }
        // Nothing is pending, so everything received so far is applied or was skipped as
        // applied: the server's newest position (keepalives, heartbeats, commits of other
        // tables' transactions) can be confirmed.
        Lsn received = Lsn.valueOf(stream.getLastReceiveLSN().asLong());
        Lsn commitEnd = assembler.lastCommitEnd();
        Lsn newest = received.compareTo(commitEnd) > 0 ? received : commitEnd;
        if (newest.compareTo(confirmed) > 0) {
            confirm(newest);
        }
        if (now - lastActivityNanos >= settings.heartbeatInterval().toNanos()) {
            lastActivityNanos = now;
            try (Statement s = sql.createStatement()) {
                s.execute("SELECT pg_logical_emit_message(false, '" + ChangeStreamSettings.HEARTBEAT_PREFIX + "', '')");
            }
        }
    }

    private void confirm(Lsn position) throws SQLException {
        if (position.compareTo(confirmed) <= 0) {
            return;
        }
        LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.asLong());
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        stream.forceUpdateStatus();
        confirmed = position;
    }

    @Override
    public void close() throws SQLException {
        stream.close();
    }
}
