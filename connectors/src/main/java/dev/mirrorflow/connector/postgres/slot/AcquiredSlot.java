package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.setup.SourceSetup;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replication connection that holds a slot's advisory lock, so that no other mirrorflow instance
 * uses the slot while it is open. Closing it ends the session, which releases the lock and any
 * snapshot the session exported (see {@link SourceSetup#createSlotIfMissing}).
 *
 * <p>The connection belongs to this object: use it to create the slot or to start replication,
 * and close this object, not the connection.
 */
public final class AcquiredSlot implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AcquiredSlot.class);

    private final PostgresPeer peer;
    private final MirrorSource source;
    private final Connection connection;
    private final long lockKey;

    AcquiredSlot(PostgresPeer peer, MirrorSource source, Connection connection, long lockKey) {
        this.peer = peer;
        this.source = source;
        this.connection = connection;
        this.lockKey = lockKey;
    }

    public PostgresPeer peer() {
        return peer;
    }

    public MirrorSource source() {
        return source;
    }

    public String slot() {
        return source.slot();
    }

    /** The {@code replication=database} session that holds the lock. */
    public Connection connection() {
        return connection;
    }

    public long lockKey() {
        return lockKey;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // The server ends the session, and with it the lock, when the socket goes away anyway.
            log.debug("closing the replication connection of slot {} failed: {}", slot(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AcquiredSlot[" + slot() + " on " + peer.location() + "]";
    }
}
