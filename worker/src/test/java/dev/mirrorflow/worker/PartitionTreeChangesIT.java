package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Changes to the partitions of a mirrored partitioned table that the change stream does not
 * carry (published via the partition root, a partition's TRUNCATE, an ATTACH, DETACH or DROP of
 * a partition sends nothing), end to end through the CLI and a worker on the real Temporal dev
 * server: the destination keeps equal to the source, or the mirror fails saying so.
 */
class PartitionTreeChangesIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
    /** Longer than one interval of the source checks, which the build sets to 2 s (10 s by default). */
    private static final Duration PAST_ONE_CHECK = Duration.ofMillis(
            Long.getLong("mirrorflow.source-check-interval-ms", 10_000) + 2_000);


    @Test
    void shouldEmptyTheDestinationWhenThePartitionedTableIsTruncatedAndKeepStreaming() throws Exception {
        String name = "ptrunc_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("TRUNCATE " + table);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, table)).isEmpty();

        // The truncate gave every partition new storage; the stream carried it, so the partition
        // watch must not take it for a partition's own TRUNCATE.
        Thread.sleep(PAST_ONE_CHECK.toMillis());
        bed.source.execute("INSERT INTO " + table + " VALUES (100, '2025-03-01', 'after the truncate')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, table)).isEqualTo("(100,2025-03-01,\"after the truncate\")")
                .isEqualTo(rows(bed.source, table));
        assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.RUNNING);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldFailWhenOnePartitionIsTruncated() throws Exception {
        String name = "ppart_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("TRUNCATE " + table + "_2025");
        assertFailed(name, table, "partition public." + table + "_2025 of source table public." + table
                + " was truncated or rewritten at the source");
    }

    @Test
    void shouldFailWhenOnePartitionIsTruncatedAfterTheTableWas() throws Exception {
        String name = "ptwice_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        // The table's truncate streams; the partition's, a moment later, does not.
        bed.source.execute("TRUNCATE " + table,
                "INSERT INTO " + table + " VALUES (10, '2024-02-01', 'after'), (11, '2025-02-01', 'after')",
                "TRUNCATE " + table + "_2025");
        assertFailed(name, table, "partition public." + table + "_2025 of source table public." + table
                + " was truncated or rewritten at the source");
    }

    @Test
    void shouldFailWhenOnePartitionIsTruncatedWithAnotherMirroredTable() throws Exception {
        String name = "pother_" + ScratchDatabase.randomSuffix();
        String other = name + "_other";
        bed.source.execute("CREATE TABLE " + other + " (id int PRIMARY KEY)", "INSERT INTO " + other + " VALUES (1)");
        String table = streamPartitionedTable(name, "  - source: public." + other + "\n");

        // The stream carries the other table's truncate, in the same transaction, and nothing of
        // the partition's.
        bed.source.execute("BEGIN; TRUNCATE " + other + "; TRUNCATE " + table + "_2025; COMMIT");
        assertFailed(name, table, "partition public." + table + "_2025 of source table public." + table
                + " was truncated or rewritten at the source");
    }

    @Test
    void shouldFailWhenAPartitionIsDetachedChangedAndAttachedAgain() throws Exception {
        String name = "preatt_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("BEGIN; ALTER TABLE " + table + " DETACH PARTITION " + table + "_2024;"
                + " DELETE FROM " + table + "_2024 WHERE id = 1;"
                + " ALTER TABLE " + table + " ATTACH PARTITION " + table + "_2024"
                + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); COMMIT");
        assertFailed(name, table, "partition public." + table + "_2024 was detached from source table public." + table
                + " and attached again");
    }

    @Test
    void shouldFailWhenATableHoldingRowsIsAttachedAsAPartition() throws Exception {
        String name = "pattach_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("CREATE TABLE " + table + "_2026 (id int, at date, v text, PRIMARY KEY (id, at))",
                "INSERT INTO " + table + "_2026 VALUES (50, '2026-02-01', 'before the attach')",
                "ALTER TABLE " + table + " ATTACH PARTITION " + table + "_2026"
                        + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        assertFailed(name, table, "table public." + table + "_2026 was attached as a partition of source table public."
                + table + " with rows in it");
    }

    @Test
    void shouldFailWhenAPartitionIsDetached() throws Exception {
        String name = "pdetach_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("ALTER TABLE " + table + " DETACH PARTITION " + table + "_2024");
        String says = "partition public." + table + "_2024 was detached from source table public." + table;
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);

        // A resume streams again from the checkpoint, and fails again: the record of the
        // partitions is what the mirror compares with, not what it last saw.
        long failures = failedPhases(name);
        bed.ok("mirror", "resume", name);
        MirrorTestBed.await(name + " failing again", PHASE_TIMEOUT, () -> failedPhases(name) > failures);
        assertThat(bed.mirror(name).lastError()).startsWith("mirror " + name + ": " + says);
        assertFailed(name, table, says);
    }

    @Test
    void shouldFailWhenAPartitionIsDropped() throws Exception {
        String name = "pdrop_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("DROP TABLE " + table + "_2024");
        assertFailed(name, table, "partition public." + table + "_2024 of source table public." + table
                + " was dropped at the source");
    }

    @Test
    void shouldFailWhenOnePartitionIsTruncatedWhileTheMirrorIsPaused() throws Exception {
        String name = "ppause_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);

        bed.source.execute("TRUNCATE " + table + "_2024");
        bed.ok("mirror", "resume", name);
        assertFailed(name, table, "partition public." + table + "_2024 of source table public." + table
                + " was truncated or rewritten at the source");
    }

    @Test
    void shouldStreamIntoPartitionsCreatedOrAttachedEmpty() throws Exception {
        String name = "pnew_" + ScratchDatabase.randomSuffix();
        String table = streamPartitionedTable(name);

        bed.source.execute("CREATE TABLE " + table + "_2026 PARTITION OF " + table
                        + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE TABLE " + table + "_2027 (id int, at date, v text, PRIMARY KEY (id, at))",
                "ALTER TABLE " + table + " ATTACH PARTITION " + table + "_2027"
                        + " FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
                // Created and written through the table in one transaction: the rows stream.
                "BEGIN; CREATE TABLE " + table + "_2028 PARTITION OF " + table
                        + " FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');"
                        + " INSERT INTO " + table + " VALUES (80, '2028-05-01', 'with the create'); COMMIT");
        // Past one check of the partition watch, which records the two new partitions as empty.
        Thread.sleep(PAST_ONE_CHECK.toMillis());
        bed.source.execute("INSERT INTO " + table + " VALUES (60, '2026-05-01', 'into the created partition'),"
                + " (70, '2027-05-01', 'into the attached partition')",
                "UPDATE " + table + " SET v = 'updated' WHERE id = 1");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, table)).isEqualTo(rows(bed.source, table))
                .contains("(60,2026-05-01,\"into the created partition\")").contains("(80,2028-05-01,\"with the create\")");
        // Another check after the rows arrived: they were streamed, so nothing is wrong.
        Thread.sleep(PAST_ONE_CHECK.toMillis());
        assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.RUNNING);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    /**
     * A partitioned table {@code <name>_m} with partitions for 2024 and 2025 holding rows, loaded
     * by a new mirror of it, which is then caught up.
     */
    private static String streamPartitionedTable(String name) throws Exception {
        return streamPartitionedTable(name, "");
    }

    /** The same, with more tables in the mirror's spec ({@code moreTables}: YAML list items). */
    private static String streamPartitionedTable(String name, String moreTables) throws Exception {
        String table = name + "_m";
        bed.source.execute("CREATE TABLE " + table + " (id int, at date, v text, PRIMARY KEY (id, at))"
                        + " PARTITION BY RANGE (at)",
                "CREATE TABLE " + table + "_2024 PARTITION OF " + table
                        + " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                "CREATE TABLE " + table + "_2025 PARTITION OF " + table
                        + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "INSERT INTO " + table + " VALUES (1, '2024-05-01', 'loaded'), (2, '2025-05-01', 'loaded')");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%s
                %sbatchSize: 100
                idleTimeout: 200ms
                """.formatted(table, moreTables)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.source.execute("INSERT INTO " + table + " VALUES (3, '2024-06-01', 'streamed'), (4, '2025-06-01', 'streamed')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, table)).isEqualTo(rows(bed.source, table)).contains("(4,2025-06-01,streamed)");
        return table;
    }

    /**
     * Waits for the mirror to fail with the message; a mirror still streaming when the wait ends
     * is caught up first, and the assertion shows how its destination differs from the source.
     */
    private static void assertFailed(String name, String table, String says) throws Exception {
        try {
            bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        } catch (AssertionError e) {
            MirrorTestBed.Run caughtUp = bed.cli("mirror", "wait", name, "--caught-up", "--timeout", "30s");
            throw new AssertionError("mirror " + name + " is " + bed.mirror(name).phase() + " (wait --caught-up exit "
                    + caughtUp.exit() + ": " + caughtUp.out().strip() + caughtUp.err().strip() + ") while destination"
                    + " rows " + rows(bed.destination, table) + " differ from source rows " + rows(bed.source, table), e);
        }
        String status = bed.ok("mirror", "status", name).out();
        assertThat(status).contains(says).contains("run mirrorflow mirror resync " + name);
        String error = bed.mirror(name).lastError();
        assertThat(error).doesNotContain("\n").startsWith("mirror " + name + ": " + says)
                .endsWith("run mirrorflow mirror resync " + name);

        // As the message says, a resync makes the destination equal to the source again.
        bed.ok("mirror", "resync", name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, table)).isEqualTo(rows(bed.source, table));
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    private static long failedPhases(String name) {
        try {
            return MirrorTestBed.count(bed.catalogDb, "SELECT count(*) FROM mirrorflow.mirror_events WHERE mirror_id = "
                    + bed.mirror(name).id() + " AND kind = 'PHASE' AND phase = 'FAILED'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rows(ScratchDatabase db, String table) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT coalesce(string_agg(t::text, ';' ORDER BY t::text), '') FROM " + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
