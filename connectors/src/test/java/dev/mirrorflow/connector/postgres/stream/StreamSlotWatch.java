package dev.mirrorflow.connector.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** What the stream ITs read about the slot they stream, from a plain session on its database. */
final class StreamSlotWatch {

    /** Far longer than any batch in these tests takes to arrive (their idle timeouts are at most 5 s). */
    static final Duration BATCH_DEADLINE = Duration.ofSeconds(30);

    private final Connection sql;
    private final String slot;

    StreamSlotWatch(Connection sql, String slot) {
        this.sql = sql;
        this.slot = slot;
    }

    /**
     * The next batch, or a failure once {@link #BATCH_DEADLINE} passed without one: a stream that
     * delivers nothing must fail the test, not wait for ever.
     */
    static ChangeBatch nextBatch(PostgresChangeStream stream) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + BATCH_DEADLINE.toNanos();
        return stream.nextBatch(() -> System.nanoTime() > deadline, () -> {})
                .orElseThrow(() -> new AssertionError("no batch within " + BATCH_DEADLINE));
    }

    /** How long ago the walsender of the slot last had a status update from the stream. */
    double secondsSinceTheServerHeardFromTheStream() throws SQLException {
        try (Statement s = sql.createStatement();
                ResultSet rs = s.executeQuery("SELECT extract(epoch FROM now() - r.reply_time) FROM pg_stat_replication r"
                        + " JOIN pg_replication_slots sl ON sl.active_pid = r.pid WHERE sl.slot_name = '" + slot + "'")) {
            assertThat(rs.next()).as("the slot is streamed").isTrue();
            return rs.getDouble(1);
        }
    }

    Lsn currentWalLsn() throws SQLException {
        return SlotPositions.read(sql, slot, 5).orElseThrow().current();
    }

    Lsn confirmedFlush() throws SQLException {
        return SlotPositions.read(sql, slot, 5).orElseThrow().confirmedFlush();
    }

    void awaitConfirmedFlushAtLeast(Lsn target) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (confirmedFlush().compareTo(target) < 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("slot did not reach " + target + "; at " + confirmedFlush());
            }
            Thread.sleep(100);
        }
    }
}
