package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.model.MirrorSpec;
import java.time.Duration;
import java.util.Set;

/**
 * How a mirror reads its replication slot.
 *
 * @param maxBatchRows a batch is applied once it holds this many row changes, even inside a
 *     large source transaction (replays are idempotent, so a partly applied transaction is
 *     completed on restart)
 * @param idleTimeout a batch is applied at the latest when its oldest change is this old
 * @param linger a batch is also applied, at a transaction boundary, once the destination has
 *     applied everything handed out before it and waited this long for more: what the source
 *     sent meanwhile goes with it, and waiting longer would only add latency. A linger of {@code
 *     idleTimeout} or more leaves batches to the idle timeout alone.
 * @param maxBatchBytes a batch is also applied once its row changes hold about this many bytes
 *     of values (as the server sent them), even inside a transaction, so that wide rows cannot
 *     fill the heap; a batch holds at least one change however large
 * @param statusInterval how often the position is reported to the server; must be well below
 *     the server's {@code wal_sender_timeout}
 * @param heartbeatInterval when the mirror's tables are quiet for this long, a logical message
 *     is written to the source so the slot can advance and the server can recycle WAL
 * @param tables the source tables whose changes the stream delivers; changes of other tables the
 *     publication has (it may be shared, or be {@code FOR ALL TABLES}) are skipped. Empty: every
 *     table of the publication.
 */
public record ChangeStreamSettings(
        String slotName,
        String publicationName,
        int maxBatchRows,
        Duration idleTimeout,
        Duration statusInterval,
        Duration heartbeatInterval,
        Set<TableId> tables,
        Duration linger,
        long maxBatchBytes) {

    /** The linger of a mirror whose spec does not set one. */
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);

    /**
     * Settings for a stream that delivers every table of the publication and closes partly full
     * batches only after {@code idleTimeout}.
     */
    public ChangeStreamSettings(String slotName, String publicationName, int maxBatchRows, Duration idleTimeout,
            Duration statusInterval, Duration heartbeatInterval) {
        this(slotName, publicationName, maxBatchRows, idleTimeout, statusInterval, heartbeatInterval, Set.of());
    }

    /** Settings whose partly full batches close only after {@code idleTimeout}. */
    public ChangeStreamSettings(String slotName, String publicationName, int maxBatchRows, Duration idleTimeout,
            Duration statusInterval, Duration heartbeatInterval, Set<TableId> tables) {
        this(slotName, publicationName, maxBatchRows, idleTimeout, statusInterval, heartbeatInterval, tables,
                idleTimeout);
    }

    /** Settings bounded by rows, with the default bound on bytes. */
    public ChangeStreamSettings(String slotName, String publicationName, int maxBatchRows, Duration idleTimeout,
            Duration statusInterval, Duration heartbeatInterval, Set<TableId> tables, Duration linger) {
        this(slotName, publicationName, maxBatchRows, idleTimeout, statusInterval, heartbeatInterval, tables, linger,
                MirrorSpec.DEFAULT_BATCH_BYTES);
    }

    public static final String HEARTBEAT_PREFIX = "mirrorflow_heartbeat";

    public ChangeStreamSettings {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + maxBatchRows);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
        }
        if (maxBatchBytes < 1) {
            throw new IllegalArgumentException("batch bytes must be positive, got " + maxBatchBytes);
        }
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must not be negative, got " + linger);
        }
        tables = Set.copyOf(tables);
    }

    /** The same settings with partly full batches closed once the source is quiet for {@code linger}. */
    public ChangeStreamSettings withLinger(Duration linger) {
        return new ChangeStreamSettings(slotName, publicationName, maxBatchRows, idleTimeout, statusInterval,
                heartbeatInterval, tables, linger, maxBatchBytes);
    }

    /** The same settings with batches also cut once their row messages hold {@code maxBatchBytes}. */
    public ChangeStreamSettings withMaxBatchBytes(long maxBatchBytes) {
        return new ChangeStreamSettings(slotName, publicationName, maxBatchRows, idleTimeout, statusInterval,
                heartbeatInterval, tables, linger, maxBatchBytes);
    }

    public static ChangeStreamSettings defaults(String slotName, String publicationName) {
        return new ChangeStreamSettings(slotName, publicationName, 10_000, Duration.ofSeconds(1),
                Duration.ofSeconds(10), Duration.ofSeconds(30)).withLinger(DEFAULT_LINGER);
    }
}
