package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.postgres.peer.ReplicationSocket;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.pgoutput.PgOutputDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * <p>One reader thread owns the replication connection (pgjdbc's stream is not thread-safe): it
 * decodes the next batch while the caller applies the previous one, sends the acknowledgements
 * the caller asked for, answers keepalives, and keeps a quiet slot moving: when nothing is
 * pending or unacknowledged, it confirms the server's newest position, and after
 * {@code heartbeatInterval} of quiet it writes a logical message to the source so that the slot
 * advances and the server can recycle WAL even when the mirror's tables see no traffic. With
 * nothing pending or unacknowledged it sleeps until the server sends something (on a connection
 * from {@code PostgresPeer.connectForReplication}, see {@link ReplicationSocket}; it polls
 * otherwise), so an idle stream costs next to nothing and the first change after a quiet spell is
 * read the moment it arrives.
 * Changes the reader decoded but never handed over are simply read again after a restart,
 * because they were never acknowledged.
 */
public final class PostgresChangeStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PostgresChangeStream.class);
    private static final long POLL_MILLIS = 10;
    /**
     * How often the caller of {@link #nextBatch} is ticked while it waits: a batch is taken the
     * moment it is ready (the reader wakes the caller), and so is a stop the caller asks for with
     * {@link #wake}, so this only paces the caller's own checks (heartbeats, source checks).
     */
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How long the reader polls less often once the slot has sent nothing for {@link #QUIET_NANOS},
     * on a connection without a {@link ReplicationSocket}.
     */
    private static final long QUIET_POLL_MILLIS = 50;
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How often at most an idle reader on a {@link ReplicationSocket} wakes for keepalives alone: a
     * server busy with other tables or databases sends one at about every flush, and reading each
     * on its own would cost more than polling. What came meanwhile is read in one go.
     */
    private static final long KEEPALIVE_WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(QUIET_POLL_MILLIS);
    /**
     * The longest a reader with nothing to do sleeps on a {@link ReplicationSocket}; it wakes
     * earlier when a status update or a heartbeat is due, and a change or keepalive ends the sleep
     * at once, and so does {@link #close}.
     */
    private static final long QUIET_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** A sleep ends this much after a status update or heartbeat is due, so that it is then. */
    private static final long DUE_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final PGReplicationStream stream;
    /** The replication connection's socket to sleep on while idle, or null to poll instead. */
    private final ReplicationSocket socket;
    private final Connection sql;
    private final ChangeStreamSettings settings;
    private final PgOutputDecoder decoder = new PgOutputDecoder();
    private final ChangeAssembler assembler;
    private final Thread reader;

    /** Batches decoded and not yet taken; one waiting while one is applied bounds the memory. */
    private final BlockingQueue<ChangeBatch> ready = new ArrayBlockingQueue<>(1);
    /** Batches handed out (queued or taken) and not yet acknowledged. */
    private final AtomicInteger unacknowledged = new AtomicInteger();
    /** The newest position the caller acknowledged; the reader confirms it to the server. */
    private final AtomicLong acknowledged;

    /** The thread waiting in {@link #nextBatch}, woken when a batch is ready, the reader failed, or {@link #wake}. */
    private volatile Thread waiter;
    private volatile Lsn confirmed;
    private volatile Throwable failure;
    private volatile boolean closed;

    private long nextBatchId;
    private long lastActivityNanos = System.nanoTime();
    private long lastStatusNanos = System.nanoTime();
    /** Since when the destination has been idle with changes pending, or -1. */
    private long lingerSinceNanos = -1;
    /** The bytes of the row changes pending in the assembler, as their messages came (see {@link #read}). */
    private long pendingBytes;
    /** When the slot last sent a message, keepalives included. */
    private long lastMessageNanos = System.nanoTime();
    /** When the reader last woke for keepalives alone (see {@link #KEEPALIVE_WAKE_NANOS}). */
    private long lastKeepaliveWakeNanos = System.nanoTime() - KEEPALIVE_WAKE_NANOS;
    /** The server's position when it last sent data (not a keepalive). */
    private Lsn lastDataReceived = Lsn.INVALID;

    private PostgresChangeStream(PGReplicationStream stream, ReplicationSocket socket, Connection sql,
            ChangeStreamSettings settings, Lsn resumeAfter, long firstBatchId, FollowedTables followed) {
        this.stream = stream;
        this.socket = socket;
        this.sql = sql;
        this.settings = settings;
        TypeNames typeNames = new TypeNames(sql);
        RelationKeys relationKeys = new RelationKeys(sql);
        RelationAttributes relationAttributes = new RelationAttributes(sql);
        this.assembler = followed == null
                ? new ChangeAssembler(typeNames, relationKeys, relationAttributes, resumeAfter, settings.tables())
                : new ChangeAssembler(typeNames, relationKeys, relationAttributes, resumeAfter, followed);
        this.confirmed = resumeAfter;
        this.acknowledged = new AtomicLong(resumeAfter.asLong());
        this.nextBatchId = firstBatchId;
        this.reader = new Thread(this::read, "mirrorflow-stream-" + settings.slotName());
        this.reader.setDaemon(true);
    }

    /**
     * Starts streaming from the slot.
     *
     * @param replication a replication connection ({@code replication=database}) on which the
     *     caller already holds the slot (see the slot acquisition contract)
     * @param sql a normal connection to the same source database, for type names and heartbeats;
     *     the stream uses it from its reader thread, so the caller must leave it alone
     * @param resumeAfter the destination's checkpoint; transactions that ended at or before it
     *     are not delivered again. {@link Lsn#INVALID} to start from the slot's position.
     * @param firstBatchId the id of the first batch this stream hands out
     */
    public static PostgresChangeStream start(Connection replication, Connection sql, ChangeStreamSettings settings,
            Lsn resumeAfter, long firstBatchId) throws SQLException {
        return start(replication, sql, settings, resumeAfter, firstBatchId, null);
    }

    /**
     * Starts streaming the followed tables, recognised by relation OID whatever they are called
     * now ({@link ChangeStreamSettings#tables()} is then not used); the batches carry the schema
     * changes the stream noticed ({@link ChangeBatch#schemaChanges()}).
     */
    public static PostgresChangeStream start(Connection replication, Connection sql, ChangeStreamSettings settings,
            Lsn resumeAfter, long firstBatchId, FollowedTables followed) throws SQLException {
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
        PostgresChangeStream changeStream = new PostgresChangeStream(stream,
                ReplicationSocket.of(replication).orElse(null), sql, settings, resumeAfter, firstBatchId, followed);
        changeStream.reader.start();
        return changeStream;
    }

    /**
     * Waits for the next batch: {@code maxBatchRows} row changes or {@code maxBatchBytes} of them, changes whose oldest is {@code
     * idleTimeout} old, or the changes so far once every earlier batch has been acknowledged for
     * {@code linger}. Returns empty when {@code stop} turns true first.
     *
     * @param tick called about every second while waiting, e.g. to heartbeat a Temporal activity
     * @throws SQLException when reading or decoding the stream failed
     */
    public Optional<ChangeBatch> nextBatch(BooleanSupplier stop, Runnable tick) throws SQLException, InterruptedException {
        // Set before looking at the queue, so that a batch handed over after the look unparks
        // the park below (or makes it return at once).
        waiter = Thread.currentThread();
        try {
            long nextTick = System.nanoTime() + TICK_NANOS;
            while (true) {
                rethrowFailure();
                ChangeBatch batch = ready.poll();
                if (batch != null) {
                    return Optional.of(batch);
                }
                if (stop.getAsBoolean()) {
                    return Optional.empty();
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    tick.run();
                    nextTick = now + TICK_NANOS;
                    continue;
                }
                LockSupport.parkNanos(this, nextTick - now);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiter = null;
        }
    }

    /** Makes a waiting {@link #nextBatch} look at its {@code stop} now; from any thread. */
    public void wake() {
        LockSupport.unpark(waiter);
    }

    /**
     * Asks for the batch to be confirmed to the server, so the slot may move past it. Call only
     * after the destination committed it.
     */
    public void acknowledge(ChangeBatch batch) {
        acknowledged.accumulateAndGet(Lsn.valueOf(batch.position()).asLong(),
                (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
        unacknowledged.decrementAndGet();
    }

    /** The newest position confirmed to the server by this stream. */
    public Lsn confirmedPosition() {
        return confirmed;
    }

    /**
     * Whether this stream has seen the transaction truncate the table (a published table, by
     * relation OID; a skipped, already applied transaction counts). Safe to call from any thread.
     */
    public boolean truncated(long xid, long relationOid) {
        return assembler.truncated(xid, relationOid);
    }

    /** How many replayed transactions were skipped because the destination already had them. */
    public long skippedTransactions() {
        return assembler.skippedTransactions();
    }

    private void read() {
        try {
            long idleNanos = settings.idleTimeout().toNanos();
            long lingerNanos = settings.linger().toNanos();
            long firstChangeNanos = 0;
            // Whether the last sleep on the socket ended because the server sent something.
            boolean wokenByServer = false;
            while (!closed) {
                confirmAcknowledged();
                ByteBuffer message = stream.readPending();
                long now = System.nanoTime();
                if (message != null) {
                    wokenByServer = false;
                    lastMessageNanos = now;
                    lastDataReceived = Lsn.valueOf(stream.getLastReceiveLSN().asLong());
                    boolean hadPending = assembler.hasPending();
                    int rowsBefore = assembler.pendingRows();
                    int messageBytes = message.remaining();
                    decoder.decode(message, assembler);
                    lastActivityNanos = now;
                    if (!hadPending && assembler.hasPending()) {
                        firstChangeNanos = now;
                    }
                    // A row change weighs what its message did: its values as text, about what
                    // they take in the heap once decoded.
                    if (assembler.pendingRows() > rowsBefore) {
                        pendingBytes += messageBytes;
                    }
                    if (assembler.pendingRows() >= settings.maxBatchRows() || pendingBytes >= settings.maxBatchBytes()
                            || lingerOver(now, lingerNanos, idleNanos)) {
                        handOver();
                    }
                    continue;
                }
                // The oldest pending change waits at most idleTimeout, so a steady trickle of
                // changes cannot hold a batch back and the lag stays bounded.
                if (assembler.hasPending() && now - firstChangeNanos >= idleNanos) {
                    handOver();
                    continue;
                }
                if (lingerOver(now, lingerNanos, idleNanos)) {
                    handOver();
                    continue;
                }
                if (!assembler.hasPending() && unacknowledged.get() == 0) {
                    keepSlotMoving(now);
                    if (socket != null) {
                        if (wokenByServer) {
                            // The server woke the reader with keepalives alone.
                            wokenByServer = false;
                            long since = now - lastKeepaliveWakeNanos;
                            lastKeepaliveWakeNanos = now;
                            if (since < KEEPALIVE_WAKE_NANOS) {
                                // Again soon after the last time: let the next ones gather.
                                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(KEEPALIVE_WAKE_NANOS - since) + 1);
                                lastKeepaliveWakeNanos = System.nanoTime();
                                continue;
                            }
                        }
                        // Nothing to hand over or confirm, and readPending found nothing: sleep
                        // until the server sends the next message (a change, a keepalive) or
                        // a status update or heartbeat is due.
                        wokenByServer = awaitServer(quietWait(now));
                        continue;
                    }
                }
                // Pending changes are looked at again soon, so that a linger of a few ms means that.
                // Without a socket to sleep on, a slot quiet for a second is polled less often,
                // and the first change after the quiet waits at most one longer poll.
                Thread.sleep(assembler.hasPending() && lingerNanos < idleNanos ? 1
                        : now - lastMessageNanos >= QUIET_NANOS && unacknowledged.get() == 0 ? QUIET_POLL_MILLIS
                        : POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (!closed) {
                failure = t;
                LockSupport.unpark(waiter);
            }
        }
    }

    /**
     * How long an idle reader may sleep: until pgjdbc's next status update is due (it sends them
     * from readPending, at most a status interval after its last, which was before this sleep) or
     * the next heartbeat is.
     */
    private int quietWait(long now) {
        long untilHeartbeat = lastActivityNanos + settings.heartbeatInterval().toNanos() - now;
        long nanos = Math.min(QUIET_WAIT_NANOS, Math.min(settings.statusInterval().toNanos(), untilHeartbeat))
                + DUE_MARGIN_NANOS;
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    private boolean awaitServer(int timeoutMillis) throws SQLException {
        try {
            return socket.awaitReadable(timeoutMillis);
        } catch (IOException e) {
            if (closed) {
                return false;
            }
            // As pgjdbc reports a lost connection, so that the failure is classified as one.
            throw new SQLException("the replication connection of slot " + settings.slotName() + " failed: "
                    + e.getMessage(), "08006", e);
        }
    }

    /**
     * Whether the pending changes should go now although the batch is not full: the destination
     * has applied everything it was given and has waited {@code linger} since for more, and the
     * changes end at a transaction boundary. Waiting longer would only delay them. While a batch
     * is still being applied the changes keep gathering instead, so under a backlog batches stay
     * as large as the apply is slow; a steady flow of small transactions goes out every apply
     * plus linger, rather than once the batch is full or the idle timeout passed.
     */
    private boolean lingerOver(long now, long lingerNanos, long idleNanos) {
        if (lingerNanos >= idleNanos || !assembler.hasPending() || unacknowledged.get() != 0) {
            lingerSinceNanos = -1;
            return false;
        }
        if (lingerSinceNanos < 0) {
            lingerSinceNanos = now;
        }
        return !assembler.inTransaction() && now - lingerSinceNanos >= lingerNanos;
    }

    /** Hands the pending changes over, waiting while the caller still has the previous batch. */
    private void handOver() throws InterruptedException, SQLException {
        ChangeAssembler.Drained d = assembler.drain();
        pendingBytes = 0;
        ChangeBatch batch = new ChangeBatch(nextBatchId++, d.changes(), d.position().toString(), d.schemaChanges());
        unacknowledged.incrementAndGet();
        while (!closed && !offer(batch)) {
            // A slow apply must not look like a dead client to the server.
            confirmAcknowledged();
            long now = System.nanoTime();
            if (now - lastStatusNanos >= settings.statusInterval().toNanos()) {
                stream.forceUpdateStatus();
                lastStatusNanos = now;
            }
        }
    }

    /** Queues the batch if there is room within a poll, and wakes the caller waiting for it. */
    private boolean offer(ChangeBatch batch) throws InterruptedException {
        if (!ready.offer(batch, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            return false;
        }
        LockSupport.unpark(waiter);
        return true;
    }

    private void keepSlotMoving(long now) throws SQLException {
        if (assembler.inTransaction()) {
            return;
        }
        // Nothing is pending or unacknowledged, so everything received so far is applied or was
        // skipped as applied: the server's newest position (keepalives, heartbeats, commits of
        // other tables' transactions) can be confirmed.
        Lsn received = Lsn.valueOf(stream.getLastReceiveLSN().asLong());
        Lsn commitEnd = assembler.lastCommitEnd();
        // What the server sent as data (a commit, a heartbeat, the marker of `mirror wait
        // --caught-up`) is confirmed at once.
        Lsn data = lastDataReceived.compareTo(commitEnd) > 0 ? lastDataReceived : commitEnd;
        confirm(data);
        if (received.compareTo(data) > 0) {
            // Only a keepalive told of it (WAL of other tables or databases): it goes with the
            // next status update. Confirming it at once would ask the server for a reply, a
            // keepalive with its newest position, which a server busy elsewhere sends again and
            // again.
            confirmLater(received);
        }
        if (now - lastActivityNanos >= settings.heartbeatInterval().toNanos()) {
            lastActivityNanos = now;
            try (Statement s = sql.createStatement()) {
                s.execute("SELECT pg_logical_emit_message(false, '" + ChangeStreamSettings.HEARTBEAT_PREFIX + "', '')");
            }
        }
    }

    /** Confirms the position with pgjdbc's next periodic status update rather than now. */
    private void confirmLater(Lsn position) {
        if (position.compareTo(confirmed) <= 0) {
            return;
        }
        LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.asLong());
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        confirmed = position;
    }

    private void confirmAcknowledged() throws SQLException {
        confirm(Lsn.valueOf(acknowledged.get()));
    }

    private void confirm(Lsn position) throws SQLException {
        if (position.compareTo(confirmed) <= 0) {
            return;
        }
        LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.asLong());
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        stream.forceUpdateStatus();
        lastStatusNanos = System.nanoTime();
        confirmed = position;
    }

    /**
     * Ends the reader's sleep on the socket at once rather than when it would end:
     * a status update that asks for a reply makes the server send a keepalive. (Writing from
     * this thread is safe: pgjdbc serialises the connection's reads and writes; only the reads
     * are the reader's alone.)
     */
    private void wakeReader() {
        if (socket == null || !reader.isAlive()) {
            return;
        }
        try {
            stream.forceUpdateStatus();
        } catch (SQLException | RuntimeException e) {
            log.debug("slot {}: waking the stream's reader to stop: {}", settings.slotName(), e.getMessage());
        }
    }

    private void rethrowFailure() throws SQLException {
        Throwable t = failure;
        if (t == null) {
            return;
        }
        if (t instanceof SQLException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("the change stream of slot " + settings.slotName() + " failed", t);
    }

    /** Stops the reader and closes the stream; unacknowledged changes are read again next time. */
    @Override
    public void close() throws SQLException {
        closed = true;
        wakeReader();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stream.close();
    }
}
