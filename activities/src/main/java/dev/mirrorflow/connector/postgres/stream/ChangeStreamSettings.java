package dev.mirrorflow.connector.postgres.stream;

import java.time.Duration;

/**
 * How a mirror reads its replication slot.
 *
 * @param maxBatchRows a batch is applied once it holds this many row changes, even inside a
 *     large source transaction (replays are idempotent, so a partly applied transaction is
 *     completed on restart)
 * @param idleTimeout a batch is applied at the latest when its oldest change is this old
 * @param statusInterval how often the position is reported to the server; must be well below
 *     the server's {@code wal_sender_timeout}
 * @param heartbeatInterval when the mirror's tables are quiet for this long, a logical message
 *     is written to the source so the slot can advance and the server can recycle WAL
 */
public record ChangeStreamSettings(
        String slotName,
        String publicationName,
        int maxBatchRows,
        Duration idleTimeout,
        Duration statusInterval,
        Duration heartbeatInterval) {

    public static final String HEARTBEAT_PREFIX = "mirrorflow_heartbeat";

    public ChangeStreamSettings {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + maxBatchRows);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
        }
    }

    public static ChangeStreamSettings defaults(String slotName, String publicationName) {
        return new ChangeStreamSettings(slotName, publicationName, 10_000, Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }
}
