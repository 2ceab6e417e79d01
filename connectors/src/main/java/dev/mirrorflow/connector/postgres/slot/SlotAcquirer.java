package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.connector.postgres.SlotBusyException;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.postgres.SourceException;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.postgres.SourceUnavailableException;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mirrorflow.connector.TelemetryNames;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure that only one mirrorflow instance anywhere uses a replication slot.
 *
 * <p>Before a replication session uses a slot, it takes a session-level advisory lock whose key is
 * derived from the slot name ({@link #lockKey}), on that same session, so the lock lives exactly as
 * long as the session. It then checks that no other process (a second worker that skipped the lock,
 * {@code pg_recvlogical}, a subscriber) streams from the slot.
 *
 * <p>Each call is one attempt and never waits or loops: a busy slot fails at once with a
 * retryable {@link SlotBusyException}, and the Temporal activity retry policy, built from the same
 * {@link SlotRetryPolicy}, decides when to try again. Each failed attempt is logged once, with the
 * delay that policy will apply, and counted in {@link SlotAcquisitionMetrics} and in the
 * OpenTelemetry counters {@code mirrorflow.slot.acquisition.attempts} and {@code .failures}.
 */
public final class SlotAcquirer {

    /**
     * Prefixed to the slot name before hashing, so that our keys do not collide with advisory locks
     * other software derives from the bare name. Changing it lets two versions share a slot.
     */
    static final String LOCK_KEY_PREFIX = "mirrorflow-slot:";

    private static final Logger log = LoggerFactory.getLogger(SlotAcquirer.class);
    private static final AttributeKey<Boolean> RETRYABLE = AttributeKey.booleanKey("mirrorflow.retryable");

    private final SlotRetryPolicy policy;
    private final SlotAcquisitionMetrics metrics;
    private final LongCounter attempts;
    private final LongCounter failures;

    /** Counts only in {@code metrics}, for tools and tests that export no telemetry. */
    public SlotAcquirer(SlotRetryPolicy policy, SlotAcquisitionMetrics metrics) {
        this(policy, metrics, OpenTelemetry.noop().getMeter(TelemetryNames.SCOPE));
    }

    /** Counts in {@code metrics} and, per mirror and slot, in counters of {@code meter}. */
    public SlotAcquirer(SlotRetryPolicy policy, SlotAcquisitionMetrics metrics, Meter meter) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.attempts = meter.counterBuilder("mirrorflow.slot.acquisition.attempts")
                .setUnit("{attempt}")
                .setDescription("Attempts to acquire a mirror's replication slot (its advisory lock, no other reader)")
                .build();
        this.failures = meter.counterBuilder("mirrorflow.slot.acquisition.failures")
                .setUnit("{attempt}")
                .setDescription("Failed attempts to acquire or start a mirror's replication slot, by error type;"
                        + " retryable ones are retried by the activity's retry policy")
                .build();
    }

    private SlotAcquirer(SlotRetryPolicy policy, SlotAcquirer shared) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.metrics = shared.metrics;
        this.attempts = shared.attempts;
        this.failures = shared.failures;
    }

    /**
     * The same acquirer, counting in the same metrics, for a mirror whose spec sets its own
     * retry settings, so that the delays it logs are the ones its activities' retry policy
     * applies.
     */
    public SlotAcquirer withPolicy(SlotRetryPolicy mirrorPolicy) {
        return mirrorPolicy.equals(policy) ? this : new SlotAcquirer(mirrorPolicy, this);
    }

    public SlotRetryPolicy policy() {
        return policy;
    }

    public SlotAcquisitionMetrics metrics() {
        return metrics;
    }

    /**
     * The advisory lock key of a slot: the first 8 bytes, big-endian, of SHA-256 over the UTF-8 of
     * {@code "mirrorflow-slot:" + slotName}, as a signed long. It must never change, or an old and
     * a new worker would both believe they own the slot; {@code hashtext()} is not used because its
     * results are not promised to stay the same across Postgres major versions.
     *
     * <p>Advisory locks are per database, which is enough: a logical slot belongs to one database
     * and every session using it connects to that database.
     */
    public static long lockKey(String slotName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((LOCK_KEY_PREFIX + slotName).getBytes(UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    /**
     * One attempt to acquire the mirror's slot: opens a replication connection, takes the slot's
     * lock on it and checks that no other process streams from the slot. The slot need not exist
     * yet. On failure the connection is closed, the attempt logged and counted, and a
     * {@link SourceException} thrown: {@link SlotBusyException} or {@link SourceUnavailableException}
     * (retryable) or {@link SourceConfigurationException} (permanent).
     *
     * @param attempt this attempt's number, from 1, as Temporal's {@code ActivityInfo.getAttempt()}
     */
    public AcquiredSlot acquire(PostgresPeer peer, MirrorSource source, int attempt) {
        metrics.recordAttempt();
        attempts.add(1, slotAttributes(source));
        SourceOperation op = SourceOperation.of("acquiring the slot", peer, source);
        long key = lockKey(source.slot());
        Connection connection = null;
        boolean acquired = false;
        try {
            connection = peer.connectForReplication();
            takeLock(connection, key, op);
            requireSlotNotActiveElsewhere(connection, op);
            AcquiredSlot slot = new AcquiredSlot(peer, source, connection, key);
            acquired = true;
            log.info("acquired replication slot {} of mirror {} on {} (attempt {})",
                    source.slot(), source.mirror(), peer.location(), attempt);
            return slot;
        } catch (SQLException e) {
            throw reportFailedAttempt(SourceFailureClassifier.classify(e, op), source, attempt);
        } catch (SourceException e) {
            throw reportFailedAttempt(e, source, attempt);
        } finally {
            if (!acquired) {
                closeQuietly(connection);
            }
        }
    }

    /**
     * Logs a failed attempt once, at WARN, and counts it. {@link #acquire} calls this itself; call
     * it for a failure of the same attempt that {@code acquire} did not see, such as SQLSTATE 55006
     * when starting replication, then throw what it returns.
     */
    public SourceException reportFailedAttempt(SourceException failure, MirrorSource source, int attempt) {
        metrics.recordFailure();
        failures.add(1, slotAttributes(source).toBuilder()
                .put(TelemetryNames.ERROR_TYPE, failure.getClass().getSimpleName())
                .put(RETRYABLE, failure.retryable())
                .build());
        String holder = failure instanceof SlotBusyException busy && busy.holderPid().isPresent()
                ? "PID " + busy.holderPid().getAsInt()
                : "unknown";
        if (!failure.retryable()) {
            log.warn("slot {} of mirror {}: attempt {} failed permanently, not retrying: {}",
                    source.slot(), source.mirror(), attempt, failure.getMessage());
        } else if (!policy.allowsAttemptAfter(attempt)) {
            log.warn("slot {} of mirror {}: attempt {} failed (holder {}), and it was the last of {}: {}",
                    source.slot(), source.mirror(), attempt, holder, policy.maximumAttempts(), failure.getMessage());
        } else {
            log.warn("slot {} of mirror {}: attempt {} failed (holder {}), next attempt in {}: {}",
                    source.slot(), source.mirror(), attempt, holder, seconds(policy.nextDelay(attempt)),
                    failure.getMessage());
        }
        return failure;
    }

    private static Attributes slotAttributes(MirrorSource source) {
        return Attributes.of(TelemetryNames.MIRROR, source.mirror(), TelemetryNames.SLOT, source.slot());
    }

    private static void takeLock(Connection connection, long key, SourceOperation op) throws SQLException {
        // The key is a number we computed, so it is spliced in: replication sessions speak only
        // the simple query protocol anyway.
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + key + ")")) {
            rs.next();
            if (rs.getBoolean(1)) {
                return;
            }
        }
        Holder holder = lockHolder(connection, key);
        throw new SlotBusyException(op.subject() + ": another mirrorflow instance holds slot " + op.slot()
                + ": its advisory lock " + key + " is held by " + (holder == null ? "a session that just left" : holder)
                + "; will retry with backoff",
                op.slot(), holder == null ? OptionalInt.empty() : OptionalInt.of(holder.pid()), null);
    }

    /**
     * Who holds the advisory lock. A bigint advisory key shows in {@code pg_locks} split into
     * {@code classid} (high 32 bits) and {@code objid} (low 32 bits), with {@code objsubid = 1}.
     */
    private static Holder lockHolder(Connection connection, long key) throws SQLException {
        String sql = "SELECT l.pid, a.application_name, host(a.client_addr)"
                + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND l.classid::bigint = " + (key >>> 32) + " AND l.objid::bigint = " + (key & 0xFFFFFFFFL)
                + " AND l.pid <> pg_backend_pid()";
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? Holder.of(rs) : null;
        }
    }

    private static void requireSlotNotActiveElsewhere(Connection connection, SourceOperation op) throws SQLException {
        String sql = "SELECT s.active_pid, a.application_name, host(a.client_addr)"
                + " FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid"
                + " WHERE s.slot_name = ? AND s.active_pid <> pg_backend_pid()";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, op.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    Holder holder = Holder.of(rs);
                    throw SourceFailureClassifier.slotInUse(op, OptionalInt.of(holder.pid()), holder.toString(), null);
                }
            }
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("closing a failed replication connection: {}", e.getMessage());
        }
    }

    /** "1s", "1.5s": what a person reads in a log line. */
    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis / 1000.0 + "s";
    }

    /** The session holding a lock or slot, as far as {@code pg_stat_activity} tells. */
    private record Holder(int pid, String application, String client) {

        static Holder of(ResultSet rs) throws SQLException {
            return new Holder(rs.getInt(1), rs.getString(2), rs.getString(3));
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            if (application != null && !application.isEmpty()) {
                s.append("application ").append(application);
            }
            if (client != null) {
                s.append(s.length() == 0 ? "" : ", ").append("client ").append(client);
            }
            return "PID " + pid + (s.length() == 0 ? "" : " (" + s + ")");
        }
    }
}
