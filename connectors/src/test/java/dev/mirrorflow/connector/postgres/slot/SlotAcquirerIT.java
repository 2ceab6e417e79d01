package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.connector.postgres.SlotBusyException;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.SourceException;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.catalog.ScratchDatabase;
import static dev.mirrorflow.connector.postgres.slot.ActivityRetry.backendPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.slf4j.LoggerFactory;

class SlotAcquirerIT {

    private static final Duration FAST = Duration.ofSeconds(2);

    private static ScratchDatabase db;
    private static final List<String> slotsUsed = new ArrayList<>();

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    static void createDatabase() throws SQLException {
        db = ScratchDatabase.create("slot_acquirer");
        db.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)");
    }

    @AfterAll
    static void dropDatabaseAndCheckNoSlotIsLeft() throws Exception {
        db.close();
        assertThat(ScratchDatabase.slotsOf(db.name())).isEmpty();
        assertThat(slotsNamed(slotsUsed)).isEmpty();
    }

    @BeforeEach
    void captureAcquirerLog() {
        log.start();
        ((Logger) LoggerFactory.getLogger(SlotAcquirer.class)).addAppender(log);
    }

    @AfterEach
    void stopCapturing() {
        ((Logger) LoggerFactory.getLogger(SlotAcquirer.class)).detachAppender(log);
    }

    @Test
    void shouldFailFastNamingTheHolderWhilePgRecvlogicalStreamsFromTheSlotAndSucceedOnceItIsKilled() throws Exception {
        MirrorSource source = newMirror();
        db.execute("CREATE PUBLICATION " + source.publication() + " FOR TABLE orders",
                "SELECT pg_create_logical_replication_slot('" + source.slot() + "', 'pgoutput')");
        Path output = Files.createTempFile("pg_recvlogical", ".log");
        Process foreign = startPgRecvlogical(source, output);
        try {
            int walsender = awaitActivePid(source.slot(), foreign, output);
            SlotAcquirer acquirer = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics());

            // Three attempts spaced as the activity retry policy will space them: 1 s, then 2 s.
            for (int attempt = 1; attempt <= 3; attempt++) {
                long started = System.nanoTime();
                int thisAttempt = attempt;
                assertThatThrownBy(() -> acquirer.acquire(ScratchPeers.of(db), source, thisAttempt))
                        .isInstanceOfSatisfying(SlotBusyException.class, e -> {
                            assertThat(e.holderPid()).hasValue(walsender);
                            assertThat(e.retryable()).isTrue();
                        })
                        .hasMessageContaining("slot " + source.slot() + ": the replication slot is in use by PID "
                                + walsender + " (application pg_recvlogical, client 127.0.0.1)")
                        .hasMessageContaining("will retry with backoff");
                // The acquirer itself neither waits nor loops: the policy does.
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FAST);
                if (attempt < 3) {
                    Thread.sleep(acquirer.policy().nextDelay(attempt).toMillis());
                }
            }
            assertThat(acquirer.metrics().attempts()).isEqualTo(3);
            assertThat(acquirer.metrics().failures()).isEqualTo(3);
            assertThat(warnings()).hasSize(3).satisfiesExactly(
                    w -> assertThat(w).contains("attempt 1 failed (holder PID " + walsender + "), next attempt in 1s"),
                    w -> assertThat(w).contains("attempt 2 failed (holder PID " + walsender + "), next attempt in 2s"),
                    w -> assertThat(w).contains("attempt 3 failed (holder PID " + walsender + "), next attempt in 4s"));

            // Starting replication past the acquirer meets the same holder, as SQLSTATE 55006.
            assertThat(startReplicationFailure(source)).isInstanceOfSatisfying(SlotBusyException.class,
                    e -> assertThat(e.holderPid()).hasValue(walsender));

            foreign.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            try (AcquiredSlot slot = ActivityRetry.acquire(acquirer, ScratchPeers.of(db), source, 4, Duration.ofSeconds(30))) {
                assertThat(slot.slot()).isEqualTo(source.slot());
                assertThat(slot.connection().isValid(2)).isTrue();
            }
        } finally {
            foreign.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(output);
        }
    }

    @Test
    void shouldFailWhileAnotherSessionHoldsTheSlotLockAndSucceedOnceThatSessionCloses() throws Exception {
        MirrorSource source = newMirror();
        long key = SlotAcquirer.lockKey(source.slot());
        SlotAcquirer acquirer = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics());

        try (Connection other = db.connect(); Statement s = other.createStatement()) {
            int holder = backendPid(other);
            s.execute("SELECT pg_advisory_lock(" + key + ")");

            long started = System.nanoTime();
            assertThatThrownBy(() -> acquirer.acquire(ScratchPeers.of(db), source, 1))
                    .isInstanceOfSatisfying(SlotBusyException.class, e -> assertThat(e.holderPid()).hasValue(holder))
                    .hasMessageContaining("another mirrorflow instance holds slot " + source.slot())
                    .hasMessageContaining("held by PID " + holder);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FAST);
        }

        try (AcquiredSlot slot = ActivityRetry.acquire(acquirer, ScratchPeers.of(db), source, 2, Duration.ofSeconds(10))) {
            assertThat(lockHolders(key)).containsExactly(backendPid(slot.connection()));
        }
        awaitNoLockHolder(key);
        assertThat(acquirer.metrics().failures()).isGreaterThanOrEqualTo(1);
        assertThat(acquirer.metrics().attempts()).isEqualTo(acquirer.metrics().failures() + 1);
    }

    @Test
    void shouldKeepASecondInstanceOutWhileTheFirstHoldsTheSlotAndLetItInOnceReleased() throws Exception {
        MirrorSource source = newMirror();
        SlotAcquirer first = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics());
        SlotAcquirer second = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics());

        try (AcquiredSlot held = first.acquire(ScratchPeers.of(db), source, 1)) {
            int holder = backendPid(held.connection());
            assertThatThrownBy(() -> second.acquire(ScratchPeers.of(db), source, 1))
                    .isInstanceOfSatisfying(SlotBusyException.class, e -> assertThat(e.holderPid()).hasValue(holder))
                    .hasMessageContaining("another mirrorflow instance holds slot " + source.slot())
                    .hasMessageContaining("PID " + holder + " (application mirrorflow");
        }
        try (AcquiredSlot mine = ActivityRetry.acquire(second, ScratchPeers.of(db), source, 2, Duration.ofSeconds(10))) {
            assertThat(lockHolders(SlotAcquirer.lockKey(source.slot()))).containsExactly(backendPid(mine.connection()));
        }
        assertThat(first.metrics().failures()).isZero();
        assertThat(second.metrics().failures()).isGreaterThanOrEqualTo(1);
    }

    private static MirrorSource newMirror() {
        MirrorSource source =
                MirrorSource.of("acq_" + ScratchDatabase.randomSuffix(), List.of(TableId.parse("orders")));
        slotsUsed.add(source.slot());
        return source;
    }

    private List<String> warnings() {
        return log.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static SourceException startReplicationFailure(MirrorSource source) throws SQLException {
        SourceOperation op = SourceOperation.of("starting replication", ScratchPeers.of(db), source);
        try (Connection replication = ScratchPeers.of(db).connectForReplication()) {
            replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(source.slot())
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", source.publication())
                    .start()
                    .close();
            throw new AssertionError("replication started on a slot another process streams from");
        } catch (SQLException e) {
            return SourceFailureClassifier.classify(e, op);
        }
    }

    private static Process startPgRecvlogical(MirrorSource source, Path output) throws IOException {
        PostgresPeer peer = ScratchPeers.of(db);
        ProcessBuilder pb = new ProcessBuilder(pgRecvlogical(), "-d", peer.database(), "-h", peer.host(),
                "-p", String.valueOf(peer.port()), "-U", peer.user(), "--slot", source.slot(), "--start",
                "-o", "proto_version=1", "-o", "publication_names=" + source.publication(), "-f", "/dev/null");
        pb.environment().put("PGPASSWORD", peer.password());
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        return pb.start();
    }

    private static String pgRecvlogical() throws IOException {
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String bindir = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() == 0 && new File(bindir, "pg_recvlogical").canExecute()) {
                return new File(bindir, "pg_recvlogical").getPath();
            }
        } catch (IOException | InterruptedException e) {
            // No pg_config on the PATH; look where Debian installs the server.
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin/pg_recvlogical")).filter(Files::isExecutable)
                    .map(Path::toString).findFirst().orElse("pg_recvlogical");
        }
    }

    private static int awaitActivePid(String slot, Process foreign, Path output) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT active_pid FROM pg_replication_slots"
                            + " WHERE slot_name = '" + slot + "' AND active_pid IS NOT NULL")) {
                if (rs.next()) {
                    return rs.getInt(1);
                }
            }
            if (!foreign.isAlive()) {
                throw new AssertionError("pg_recvlogical exited: " + Files.readString(output));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pg_recvlogical did not start streaming: " + Files.readString(output));
    }

    private static List<Integer> lockHolders(long key) throws SQLException {
        List<Integer> pids = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        + " AND classid::bigint = " + (key >>> 32) + " AND objid::bigint = " + (key & 0xFFFFFFFFL)
                        + " AND objsubid = 1")) {
            while (rs.next()) {
                pids.add(rs.getInt(1));
            }
        }
        return pids;
    }

    /** A closed session's backend lets go of its locks a moment after the client is gone. */
    private static void awaitNoLockHolder(long key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!lockHolders(key).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the slot lock outlived its session: " + lockHolders(key));
            }
            Thread.sleep(50);
        }
    }

    private static List<String> slotsNamed(List<String> names) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Connection c = ScratchPeers.server("postgres").connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT slot_name FROM pg_replication_slots")) {
            while (rs.next()) {
                if (names.contains(rs.getString(1))) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }
}
