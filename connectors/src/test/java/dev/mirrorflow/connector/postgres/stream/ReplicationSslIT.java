package dev.mirrorflow.connector.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.peer.ReplicationSocket;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The change stream over TLS, as it runs against managed databases ({@code sslmode=require}). The
 * reader sleeps on the raw socket beneath the TLS layer ({@link ReplicationSocket}); these tests
 * hold it to what it does in plain text: every change arrives, in order and intact, a change after
 * a quiet spell is read when it arrives, not when the reader next looks, and a quiet stream keeps
 * the server informed. The dev environment's server has a self-signed certificate
 * ({@code scripts/dev-env.sh}).
 */
class ReplicationSslIT {

    private static final String SLOT = "mirrorflow_ssl_it_" + ScratchDatabase.randomSuffix();
    private static final String PUBLICATION = "mirrorflow_ssl_it";

    private ScratchDatabase source;
    private Connection sql;
    private StreamSlotWatch slotWatch;

    @BeforeEach
    void source() throws SQLException {
        source = ScratchDatabase.create("mirrorflow_ssl");
        sql = source.connect();
        slotWatch = new StreamSlotWatch(sql, SLOT);
        exec("CREATE TABLE items (id int PRIMARY KEY, body text)");
        exec("CREATE PUBLICATION " + PUBLICATION + " FOR TABLE items");
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

    private Connection replicationOverTls() throws SQLException {
        PostgresPeer plain = ScratchPeers.of(source);
        return new PostgresPeer(plain.host(), plain.port(), plain.database(), plain.user(), plain.password(),
                Map.of("sslmode", "require")).connectForReplication();
    }

    private ChangeStreamSettings settings() {
        return new ChangeStreamSettings(SLOT, PUBLICATION, 1000, Duration.ofSeconds(60), Duration.ofMillis(500),
                Duration.ofSeconds(1)).withLinger(ChangeStreamSettings.DEFAULT_LINGER);
    }

    @Test
    void shouldDeliverEveryChangeInOrderAndReadAChangeAfterAQuietSpellAtOnce() throws Exception {
        try (Connection repl = replicationOverTls();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings(), Lsn.INVALID, 1)) {
            assertThat(ReplicationSocket.of(repl)).as("the reader sleeps on the socket beneath TLS").isPresent();
            assertThat(walsenderUsesTls()).as("the slot is streamed over TLS").isTrue();

            // Many TLS records, some larger than one (16 KB), between which the reader sleeps.
            String body = "x".repeat(3000) + "\t\\é";
            int rows = 0;
            for (int txn = 0; txn < 20; txn++) {
                exec("INSERT INTO items SELECT g, '" + body + "' || g FROM generate_series(" + (txn * 250 + 1) + ", "
                        + (txn * 250 + 250) + ") g");
                rows += 250;
            }
            int next = 1;
            while (next <= rows) {
                ChangeBatch batch = StreamSlotWatch.nextBatch(stream);
                for (Change change : batch.changes()) {
                    Change.Row row = (Change.Row) change;
                    assertThat(row.values()).containsExactly(Value.text(Integer.toString(next)),
                            Value.text(body + next));
                    next++;
                }
                stream.acknowledge(batch);
            }

            for (int round = 1; round <= 3; round++) {
                // Quiet for longer than the reader ever sleeps and than several status intervals.
                Lsn quietFrom = slotWatch.confirmedFlush();
                long quiet = System.nanoTime() + Duration.ofMillis(2300).toNanos();
                assertThat(stream.nextBatch(() -> System.nanoTime() > quiet, () -> {})).isEmpty();
                assertThat(slotWatch.secondsSinceTheServerHeardFromTheStream()).isLessThan(1.5);
                assertThat(slotWatch.confirmedFlush()).isGreaterThanOrEqualTo(quietFrom);

                long before = System.nanoTime();
                exec("INSERT INTO items VALUES (" + (rows + round) + ", 'quiet')");
                ChangeBatch batch = StreamSlotWatch.nextBatch(stream);
                long millis = Duration.ofNanos(System.nanoTime() - before).toMillis();
                assertThat(batch.changes()).hasSize(1);
                assertThat(millis).as("the change after 2.3 s of quiet took %s ms", millis).isLessThan(400);
                stream.acknowledge(batch);
                slotWatch.awaitConfirmedFlushAtLeast(Lsn.valueOf(batch.position()));
            }
            long closing = System.nanoTime();
            stream.close();
            assertThat(Duration.ofNanos(System.nanoTime() - closing).toMillis()).isLessThan(500);
        }
    }

    private void exec(String statement) throws SQLException {
        try (Statement s = sql.createStatement()) {
            s.execute(statement);
        }
    }

    private boolean walsenderUsesTls() throws SQLException {
        try (Statement s = sql.createStatement();
                ResultSet rs = s.executeQuery("SELECT ssl.ssl FROM pg_stat_ssl ssl"
                        + " JOIN pg_replication_slots sl ON sl.active_pid = ssl.pid WHERE sl.slot_name = '" + SLOT + "'")) {
            assertThat(rs.next()).as("the slot is streamed").isTrue();
            return rs.getBoolean(1);
        }
    }
}
