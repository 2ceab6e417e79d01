package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a mirror does when its source tables change under it (renamed, a column dropped, dropped
 * and created again), and what it shows of a large transaction, end to end through the CLI on
 * the real Temporal dev server and real PostgreSQL, with a worker in this JVM.
 */
class SourceTableChangesIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern POSITION = Pattern.compile("rows in \\S+ batches, at ([0-9A-F]+/[0-9A-F]+)");


    @Test
    void shouldKeepStreamingATableRenamedAtTheSourceAndRecordTheRenames() throws Exception {
        String name = "ren_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        streamOneTable(name, table);
        bed.source.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 100) g");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        bed.source.execute("ALTER TABLE " + table + " RENAME TO " + table + "_renamed",
                "INSERT INTO " + table + "_renamed SELECT g, 'renamed ' || g FROM generate_series(101, 150) g",
                "UPDATE " + table + "_renamed SET v = 'updated while renamed' WHERE id % 3 = 0",
                "DELETE FROM " + table + "_renamed WHERE id % 5 = 0");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).as("changes made under the new name")
                .isEqualTo(checksum(bed.source, table + "_renamed"));

        bed.source.execute("ALTER TABLE " + table + "_renamed RENAME TO " + table,
                "INSERT INTO " + table + " SELECT g, 'back ' || g FROM generate_series(151, 160) g",
                "UPDATE " + table + " SET v = 'updated after renaming back' WHERE id % 7 = 0",
                "DELETE FROM " + table + " WHERE id % 11 = 0");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));

        String history = bed.ok("mirror", "history", name).out();
        assertThat(history).contains("source table public." + table + " was renamed to public." + table
                + "_renamed at the source; its changes keep streaming into destination table public." + table);
        assertThat(history).contains("source table public." + table + "_renamed (public." + table
                + " in the spec) was renamed to public." + table + " at the source");
        assertThat(occurrences(history, "was renamed to")).as("each rename once").isEqualTo(2);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldFollowATableRenamedWhileTheMirrorWasPaused() throws Exception {
        String name = "renp_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        streamOneTable(name, table);
        bed.source.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 100) g");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);

        bed.source.execute("ALTER TABLE " + table + " RENAME TO " + table + "_new",
                "INSERT INTO " + table + "_new VALUES (1000, 'written while paused')",
                "UPDATE " + table + "_new SET v = 'updated while paused' WHERE id <= 10",
                "DELETE FROM " + table + "_new WHERE id > 90 AND id <= 100");
        bed.ok("mirror", "resume", name);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table + "_new"));
        assertThat(bed.ok("mirror", "history", name).out()).contains("source table public." + table
                + " was renamed to public." + table + "_new at the source");

        // Started again while the table still has its new name, the mirror finds it by identity.
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        bed.ok("mirror", "resume", name);
        bed.source.execute("INSERT INTO " + table + "_new VALUES (1001, 'after the second resume')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table + "_new"));
        assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.RUNNING);
        assertThat(occurrences(bed.ok("mirror", "history", name).out(), "was renamed to")).isEqualTo(1);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldFollowByIdentityTheTablesOfAMirrorSetUpBeforeIdentitiesWereRecorded() throws Exception {
        String name = "old_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        streamOneTable(name, table);
        // A mirror set up by an older mirrorflow has no identities in the catalog.
        bed.catalogDb.execute("DELETE FROM mirrorflow.mirror_source_tables WHERE mirror_id = " + bed.mirror(name).id());
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        bed.ok("mirror", "resume", name);
        bed.source.execute("INSERT INTO " + table + " VALUES (1, 'after the resume')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(count(bed.catalogDb, "SELECT relation_oid FROM mirrorflow.mirror_source_tables WHERE mirror_id = "
                + bed.mirror(name).id())).as("found by name and recorded")
                .isEqualTo(count(bed.source, "SELECT 'public." + table + "'::regclass::oid::bigint"));

        bed.source.execute("ALTER TABLE " + table + " RENAME TO " + table + "_renamed",
                "INSERT INTO " + table + "_renamed VALUES (2, 'renamed')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table + "_renamed"));
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldKeepAColumnDroppedAtTheSourceAndSayItInStatusAndHistory() throws Exception {
        String name = "dropc_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text, gone text)");
        createMirror(name, table);
        bed.source.execute("INSERT INTO " + table + " SELECT g, 'v' || g, 'g' || g FROM generate_series(1, 10) g");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        bed.source.execute("ALTER TABLE " + table + " DROP COLUMN gone",
                "INSERT INTO " + table + " VALUES (11, 'after the drop')",
                "UPDATE " + table + " SET v = 'updated after the drop' WHERE id = 1");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, "SELECT string_agg(id || ':' || v || ':' || coalesce(gone, 'NULL'), ','"
                + " ORDER BY id) FROM " + table)).isEqualTo("1:updated after the drop:g1,2:v2:g2,3:v3:g3,4:v4:g4,"
                + "5:v5:g5,6:v6:g6,7:v7:g7,8:v8:g8,9:v9:g9,10:v10:g10,11:after the drop:NULL");

        String said = "column gone of source table public." + table + " was dropped at the source; destination table"
                + " public." + table + " keeps it, NULL in rows inserted since";
        assertThat(bed.ok("mirror", "status", name).out()).contains("schema   ").contains(said);
        assertThat(bed.ok("mirror", "history", name).out()).contains(said);

        // Started again, the mirror finds the column still gone at the source: it keeps streaming
        // and says it once.
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        bed.ok("mirror", "resume", name);
        bed.source.execute("INSERT INTO " + table + " VALUES (12, 'after the resume')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.RUNNING);
        assertThat(count(bed.destination, "SELECT count(*) FROM " + table + " WHERE id = 12 AND gone IS NULL"))
                .isEqualTo(1);
        assertThat(occurrences(bed.ok("mirror", "history", name).out(), said)).isEqualTo(1);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldFailClearlyWhenAFollowedTableIsDroppedAndCreatedAgain() throws Exception {
        String name = "recr_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        streamOneTable(name, table);
        bed.source.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 10) g");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        bed.source.execute("DROP TABLE " + table, "CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " VALUES (1, 'a new table')");
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        assertThat(bed.ok("mirror", "status", name).out())
                .contains("source table public." + table + " (relation oid ")
                .contains(") was dropped at the source, and public." + table + " is now another table")
                .contains("run mirror resync " + name);

        // As the message says, a resync copies the table that has the name now, and follows it.
        bed.ok("mirror", "resync", name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.source.execute("INSERT INTO " + table + " VALUES (2, 'after the resync')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldShowThePositionOfALargeTransactionWhoseRowsFilledWholeBatches() throws Exception {
        String name = "bigtx_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        streamOneTable(name, table);
        String insideTransaction;
        String afterCommit;
        try (Connection c = bed.source.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // Exactly ten batches of rows: the last batch is cut before the commit arrives.
            s.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 1000) g");
            insideTransaction = text(s, "SELECT pg_current_wal_insert_lsn()::text");
            c.commit();
            afterCommit = text(s, "SELECT pg_current_wal_lsn()::text");
        }
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));

        // The batch that records the commit is written to the catalog just after the slot moves.
        String[] shown = new String[1];
        try {
            MirrorTestBed.await("the position past the transaction", Duration.ofSeconds(10), () -> {
                shown[0] = position(bed.ok("mirror", "status", name).out());
                return shown[0] != null && lsnAtLeast(shown[0], insideTransaction);
            });
        } catch (AssertionError e) {
            throw new AssertionError("status shows the stream at " + shown[0] + ", before the transaction's last row at "
                    + insideTransaction + " (its commit ended by " + afterCommit + ")", e);
        }
        assertThat(lsnAtLeast(afterCommit, shown[0])).as("%s is no further than %s, taken after the commit",
                shown[0], afterCommit).isTrue();
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    /** A mirror of a new, empty table. */
    private static void streamOneTable(String name, String table) throws Exception {
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        createMirror(name, table);
    }

    private static void createMirror(String name, String table) throws Exception {
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                batchSize: 100
                idleTimeout: 200ms
                """.formatted(name, table)).toString());
        // The load (of an empty table) creates the slot, so nothing written from now on is missed.
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
    }

    private static String position(String status) {
        Matcher m = POSITION.matcher(status);
        return m.find() ? m.group(1) : null;
    }

    private static boolean lsnAtLeast(String lsn, String than) {
        return Long.compareUnsigned(lsnValue(lsn), lsnValue(than)) >= 0;
    }

    private static long lsnValue(String lsn) {
        int slash = lsn.indexOf('/');
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    private static String text(Statement s, String query) throws SQLException {
        try (ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String rows(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            return text(s, query);
        }
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
