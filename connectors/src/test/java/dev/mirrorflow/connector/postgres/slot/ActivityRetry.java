package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Stands in for the Temporal activity retry policy in tests: retries a retryable failure after the
 * delay the {@link SlotRetryPolicy} gives, as the real policy built from it will.
 */
public final class ActivityRetry {

    private ActivityRetry() {}

    public static AcquiredSlot acquire(SlotAcquirer acquirer, PostgresPeer peer, MirrorSource source, int firstAttempt,
            Duration giveUpAfter) throws InterruptedException {
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        for (int attempt = firstAttempt; ; attempt++) {
            try {
                return acquirer.acquire(peer, source, attempt);
            } catch (SourceException e) {
                Duration delay = acquirer.policy().nextDelay(attempt);
                if (!e.retryable() || System.nanoTime() + delay.toNanos() > deadline) {
                    throw e;
                }
                Thread.sleep(delay.toMillis());
            }
        }
    }

    /** The server process id of a session; works on replication sessions too. */
    public static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
