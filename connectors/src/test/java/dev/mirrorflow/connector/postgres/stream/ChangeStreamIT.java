package dev.mirrorflow.connector.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.peer.ReplicationSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The change stream against a real PostgreSQL slot. */
class ChangeStreamIT {

    // Slot names are cluster-wide: a suffix keeps concurrent runs of this test apart.
    private static final String SLOT = "mirrorflow_stream_it_" + ScratchDatabase.randomSuffix();
    private static final String PUBLICATION = "mirrorflow_stream_it";

    private ScratchDatabase source;
    private Connection sql;
    private StreamSlotWatch slotWatch;

    @BeforeEach
    void source() throws SQLException {
        source = ScratchDatabase.create("mirrorflow_stream");
        sql = source.connect();
        slotWatch = new StreamSlotWatch(sql, SLOT);
        exec("CREATE TABLE items (id int PRIMARY KEY, name text, body text)");
        exec("ALTER TABLE items ALTER COLUMN body SET STORAGE EXTERNAL");
        exec("CREATE TABLE other (id int PRIMARY KEY)");
        exec("CREATE PUBLICATION " + PUBLICATION + " FOR TABLE items, other");
        exec("SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
    }

    @AfterEach
    void dropSource() throws SQLException {
        try {
            exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + SLOT
                    + "' AND NOT active");
        } finally {
            sql.close();
            source.close();
        }
    }

    private ChangeStreamSettings settings(int maxRows, Duration idle) {
        return new ChangeStreamSettings(SLOT, PUBLICATION, maxRows, idle, Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    private Connection replication() throws SQLException {
        return ScratchPeers.of(source).connectForReplication();
    }

    @Test
    void shouldDeliverCommittedChangesAndMoveTheSlotOnlyAfterTheAcknowledgement() throws Exception {
        Lsn before = confirmedFlush();
        exec("INSERT INTO items VALUES (1, 'one', 'b1'), (2, 'two', 'b2')");
        exec("UPDATE items SET name = 'uno' WHERE id = 1");
        exec("DELETE FROM items WHERE id = 2");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofMillis(300)),
                        Lsn.INVALID, 1)) {
            List<Change.Row> rows = new ArrayList<>();
            ChangeBatch last = null;
            while (rows.size() < 4) {
                ChangeBatch batch = nextBatch(stream);
                batch.changes().forEach(c -> rows.add((Change.Row) c));
                last = batch;
            }
            assertThat(rows).extracting(Change.Row::kind).containsExactly(
                    Change.Kind.INSERT, Change.Kind.INSERT, Change.Kind.UPDATE, Change.Kind.DELETE);
            assertThat(rows.get(0).schema().id()).isEqualTo(new TableId("public", "items"));
            assertThat(rows.get(0).schema().key()).extracting(c -> c.name()).containsExactly("id");
            assertThat(rows.get(0).schema().columns()).extracting(c -> c.type()).containsExactly("integer", "text", "text");
            assertThat(rows.get(2).values()).containsExactly(Value.text("1"), Value.text("uno"), Value.text("b1"));
            assertThat(rows.get(3).values()[0]).isEqualTo(Value.text("2"));
            assertThat(last.batchId()).isGreaterThanOrEqualTo(1);

            Thread.sleep(1500);
            assertThat(confirmedFlush()).as("not acknowledged yet").isEqualTo(before);

            stream.acknowledge(last);
            awaitConfirmedFlushAtLeast(Lsn.valueOf(last.position()));
        }
    }

    @Test
    void shouldCloseABatchOnceTheSourceIsQuietLongBeforeTheIdleTimeout() throws Exception {
        Duration idle = Duration.ofSeconds(60);
        exec("INSERT INTO items VALUES (1, 'one', 'b1')");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql,
                        settings(1000, idle).withLinger(ChangeStreamSettings.DEFAULT_LINGER), Lsn.INVALID, 1)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Optional<ChangeBatch> first = stream.nextBatch(() -> System.nanoTime() > deadline, () -> {});
            assertThat(first).as("a single transaction arrives well before the 60 s idle timeout").isPresent();
            assertThat(first.get().changes()).hasSize(1);

            // While that batch is not acknowledged (the destination is still applying it), the
            // next changes wait for it rather than go out in a batch of their own...
            exec("INSERT INTO items VALUES (2, 'two', 'b2')");
            long shortWait = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            assertThat(stream.nextBatch(() -> System.nanoTime() > shortWait, () -> {})).isEmpty();
            exec("INSERT INTO items VALUES (3, 'three', 'b3')");
            Thread.sleep(200);

            // ...and go out together once it is.
            stream.acknowledge(first.get());
            long next = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Optional<ChangeBatch> second = stream.nextBatch(() -> System.nanoTime() > next, () -> {});
            assertThat(second).isPresent();
            assertThat(second.get().changes()).extracting(c -> ((Change.Row) c).values()[0])
                    .containsExactly(Value.text("2"), Value.text("3"));
        }
    }

    @Test
    void shouldHoldAPartlyFullBatchUntilTheIdleTimeoutWithoutALinger() throws Exception {
        exec("INSERT INTO items VALUES (1, 'one', 'b1')");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofSeconds(3)),
                        Lsn.INVALID, 1)) {
            long started = System.nanoTime();
            ChangeBatch batch = nextBatch(stream);
            assertThat(batch.changes()).hasSize(1);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(2500));
        }
    }

    @Test
    void shouldNotDeliverAgainWhatTheDestinationCommittedWhenCrashingBeforeTheAcknowledgement() throws Exception {
        exec("INSERT INTO items VALUES (1, 'one', 'b1')");
        String checkpoint;
        // The "destination" commits the batch (we keep its position), then the worker dies
        // before acknowledging: the connection goes away without a status update.
        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofMillis(200)),
                        Lsn.INVALID, 1)) {
            ChangeBatch batch = nextBatch(stream);
            assertThat(batch.changes()).hasSize(1);
            checkpoint = batch.position();
        }
        assertThat(confirmedFlush()).isLessThan(Lsn.valueOf(checkpoint));

        exec("INSERT INTO items VALUES (2, 'two', 'b2')");
        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofMillis(200)),
                        Lsn.valueOf(checkpoint), 2)) {
            ChangeBatch batch = nextBatch(stream);
            assertThat(batch.changes()).hasSize(1);
            assertThat(((Change.Row) batch.changes().get(0)).values()[0]).isEqualTo(Value.text("2"));
            assertThat(batch.batchId()).isEqualTo(2);
        }
    }

    @Test
    void shouldCutALargeTransactionIntoBatchesWithoutClaimingItsPositionEarly() throws Exception {
        Lsn start = currentWalLsn();
        exec("INSERT INTO items SELECT g, 'n' || g, 'b' FROM generate_series(1, 250) g");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(100, Duration.ofSeconds(5)),
                        Lsn.INVALID, 1)) {
            ChangeBatch b1 = nextBatch(stream);
            ChangeBatch b2 = nextBatch(stream);
            ChangeBatch b3 = nextBatch(stream);

            assertThat(List.of(b1.changes().size(), b2.changes().size(), b3.changes().size())).containsExactly(100, 100, 50);
            assertThat(Lsn.valueOf(b1.position())).as("mid-transaction").isLessThan(start);
            assertThat(b2.position()).isEqualTo(b1.position());
            assertThat(Lsn.valueOf(b3.position())).as("after the commit").isGreaterThan(start);
        }
    }

    @Test
    void shouldCutBatchesOfWideRowsAtTheirBytesInsideATransaction() throws Exception {
        Lsn start = currentWalLsn();
        // 40 rows of about 10 kB each in one transaction, and a bound of 64 kB: 7 rows reach it.
        exec("INSERT INTO items SELECT g, repeat('x', 10000), 'b' FROM generate_series(1, 40) g");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql,
                        settings(1000, Duration.ofSeconds(1)).withMaxBatchBytes(64 << 10), Lsn.INVALID, 1)) {
            List<Integer> sizes = new java.util.ArrayList<>();
            ChangeBatch last = null;
            while (sizes.stream().mapToInt(Integer::intValue).sum() < 40) {
                last = nextBatch(stream);
                sizes.add(last.changes().size());
                stream.acknowledge(last);
            }
            assertThat(sizes).containsExactly(7, 7, 7, 7, 7, 5);
            assertThat(Lsn.valueOf(last.position())).as("after the commit").isGreaterThan(start);
        }
    }

    @Test
    void shouldMarkUnchangedToastKeyChangesAndTruncates() throws Exception {
        String big = "x".repeat(100_000);
        exec("INSERT INTO items VALUES (1, 'one', '" + big + "')");
        exec("UPDATE items SET name = 'uno' WHERE id = 1");
        exec("UPDATE items SET id = 10 WHERE id = 1");
        exec("TRUNCATE items, other");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofMillis(300)),
                        Lsn.INVALID, 1)) {
            List<Change> changes = new ArrayList<>();
            while (changes.size() < 4) {
                changes.addAll(nextBatch(stream).changes());
            }
            Change.Row nameUpdate = (Change.Row) changes.get(1);
            assertThat(nameUpdate.values()[2]).isEqualTo(Value.UNCHANGED);
            assertThat(nameUpdate.oldValues()).isNull();
            Change.Row keyUpdate = (Change.Row) changes.get(2);
            assertThat(keyUpdate.values()[0]).isEqualTo(Value.text("10"));
            assertThat(keyUpdate.oldValues()[0]).isEqualTo(Value.text("1"));
            assertThat(changes.get(3)).isEqualTo(new Change.Truncate(
                    List.of(new TableId("public", "items"), new TableId("public", "other"))));
        }
    }

    @Test
    void shouldCarryAnAddedColumnInTheRowsThatFollow() throws Exception {
        exec("INSERT INTO items VALUES (1, 'one', 'b')");
        exec("ALTER TABLE items ADD COLUMN price numeric(12,2)");
        exec("INSERT INTO items VALUES (2, 'two', 'b', 9.50)");

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofMillis(300)),
                        Lsn.INVALID, 1)) {
            List<Change> changes = new ArrayList<>();
            while (changes.size() < 2) {
                changes.addAll(nextBatch(stream).changes());
            }
            assertThat(((Change.Row) changes.get(0)).schema().columns()).hasSize(3);
            Change.Row second = (Change.Row) changes.get(1);
            assertThat(second.schema().columns()).extracting(c -> c.type())
                    .containsExactly("integer", "text", "text", "numeric(12,2)");
            assertThat(second.values()[3]).isEqualTo(Value.text("9.50"));
        }
    }

    @Test
    void shouldAdvanceAQuietSlotWhileOtherDatabasesWriteWal() throws Exception {
        Lsn initial = confirmedFlush();
        try (ScratchDatabase busy = ScratchDatabase.create("mirrorflow_busy"); Connection c = busy.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE noise AS SELECT g FROM generate_series(1, 50000) g");
        }
        Lsn afterNoise = currentWalLsn();

        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(1000, Duration.ofMillis(300)),
                        Lsn.INVALID, 1)) {
            long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            Optional<ChangeBatch> batch = stream.nextBatch(() -> System.nanoTime() > until, () -> {});
            assertThat(batch).as("no change of the mirror's tables").isEmpty();
            assertThat(stream.confirmedPosition()).isGreaterThanOrEqualTo(afterNoise);
        }
        assertThat(confirmedFlush()).isGreaterThan(initial).isGreaterThanOrEqualTo(afterNoise);
    }

    @Test
    void shouldReadTheFirstChangeAfterAQuietSpellAtOnceAndKeepTheSlotAliveWhileQuiet() throws Exception {
        try (Connection repl = replication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql,
                        settings(1000, Duration.ofSeconds(60)).withLinger(ChangeStreamSettings.DEFAULT_LINGER),
                        Lsn.INVALID, 1)) {
            assertThat(ReplicationSocket.of(repl)).as("the reader sleeps on the socket while idle").isPresent();
            for (int round = 1; round <= 3; round++) {
                // Quiet for longer than the reader ever sleeps, and than several status intervals
                // (500 ms) and heartbeat intervals (1 s) here.
                Lsn quietFrom = confirmedFlush();
                long quiet = System.nanoTime() + Duration.ofMillis(2300).toNanos();
                assertThat(stream.nextBatch(() -> System.nanoTime() > quiet, () -> {})).isEmpty();
                // While nothing came, the server heard from the stream on time, and the heartbeat
                // moved the slot on.
                assertThat(secondsSinceTheServerHeardFromTheStream()).isLessThan(1.5);
                assertThat(confirmedFlush()).isGreaterThan(quietFrom);

                long before = System.nanoTime();
                exec("INSERT INTO items VALUES (" + round + ", 'quiet', 'b')");
                ChangeBatch batch = nextBatch(stream);
                long millis = Duration.ofNanos(System.nanoTime() - before).toMillis();
                assertThat(batch.changes()).hasSize(1);
                // Read when it arrives, not when the reader next looks (it looks every second).
                assertThat(millis).as("the change after %s s of quiet took %s ms", 2.3, millis).isLessThan(400);
                stream.acknowledge(batch);
                awaitConfirmedFlushAtLeast(Lsn.valueOf(batch.position()));
            }
            // A close wakes the sleeping reader rather than waiting for its sleep to end.
            Thread.sleep(300);
            long closing = System.nanoTime();
            stream.close();
            assertThat(Duration.ofNanos(System.nanoTime() - closing).toMillis()).isLessThan(500);
        }
    }

    private static ChangeBatch nextBatch(PostgresChangeStream stream) throws SQLException, InterruptedException {
        return StreamSlotWatch.nextBatch(stream);
    }

    private void exec(String statement) throws SQLException {
        try (Statement s = sql.createStatement()) {
            s.execute(statement);
        }
    }

    private double secondsSinceTheServerHeardFromTheStream() throws SQLException {
        return slotWatch.secondsSinceTheServerHeardFromTheStream();
    }

    private Lsn currentWalLsn() throws SQLException {
        return slotWatch.currentWalLsn();
    }

    private Lsn confirmedFlush() throws SQLException {
        return slotWatch.confirmedFlush();
    }

    private void awaitConfirmedFlushAtLeast(Lsn target) throws Exception {
        slotWatch.awaitConfirmedFlushAtLeast(target);
    }
}
