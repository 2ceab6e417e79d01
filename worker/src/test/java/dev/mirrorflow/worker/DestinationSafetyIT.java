package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * mirrorflow never destroys what it does not own, through the CLI with a worker in this JVM on
 * the real Temporal dev server and PostgreSQL: a user's destination table survives create,
 * resync and drop --drop-destination; a mirror onto its own source, onto another mirror's table
 * or into a system schema is refused at create with one line, and nothing is written.
 */
class DestinationSafetyIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
    private static final String USERS_ROW = "x 7 {\"k\": 1}";


    @Test
    void shouldRefuseAtCreateAnExistingTableOfAnotherShapeWritingNothing() throws Exception {
        String name = "shape_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)", "INSERT INTO " + table
                + " VALUES (1, 'one')");
        usersTable(table);
        bed.peers(name);

        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", spec(name, table, "public." + table).toString());

        assertThat(run.exit()).as("out: %s\nerr: %s", run.out(), run.err()).isEqualTo(1);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("destination table public." + table + " already exists and does not match source table public."
                        + table + ": its column id is text but the source's is integer")
                .doesNotContain("resync");
        assertNothingWritten(name);
        assertThat(usersRows(table)).containsExactly(USERS_ROW);
    }

    @Test
    void shouldMirrorIntoAPreCreatedTableOfTheSourcesShapeAndKeepItOnResyncAndDrop() throws Exception {
        String name = "precreated_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)", "INSERT INTO " + table
                + " SELECT g, 'v' || g FROM generate_series(1, 50) g");
        // Created by the user, as PeerDB and Debezium users do, with an index of their own.
        bed.destination.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "CREATE INDEX " + table + "_v ON " + table + " (v)");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", spec(name, table, "public." + table).toString());
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));

        // A resync reloads it in place: emptied, not dropped, so the user's index stays.
        bed.destination.execute("UPDATE " + table + " SET v = 'damaged'");
        bed.ok("mirror", "resync", name);
        MirrorTestBed.await("the reload", PHASE_TIMEOUT, () -> {
            try {
                return checksum(bed.destination, table).equals(checksum(bed.source, table));
            } catch (SQLException e) {
                return false;
            }
        });
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM pg_indexes WHERE indexname = '" + table + "_v'"))
                .isEqualTo(1);

        assertThat(bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s").out())
                .isEqualTo("mirror " + name + " dropped with the destination tables mirrorflow created for it; kept"
                        + " destination table(s) public." + table + " (mirrorflow did not create them for this mirror)\n");
        assertThat(checksum(bed.destination, table)).as("kept with its rows").isEqualTo(checksum(bed.source, table));
    }

    @Test
    void shouldNeverDropOrEmptyAUsersTableThatReplacedTheMirrorsOwnOnResyncOrDrop() throws Exception {
        String name = "foreign_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)", "INSERT INTO " + table
                + " VALUES (1, 'one')");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", spec(name, table, "public." + table).toString());
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        // Someone replaces the mirror's table with one of their own, of another shape.
        bed.destination.execute("DROP TABLE " + table);
        usersTable(table);
        bed.ok("mirror", "resume", name);
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        String status = bed.ok("mirror", "status", name).out();
        assertThat(status).contains("mirrorflow did not create destination table public." + table
                + " and never drops it").doesNotContain("resync the mirror to recreate the table");

        bed.ok("mirror", "resync", name);
        MirrorTestBed.await("the resync refused", PHASE_TIMEOUT, () -> errors(name).stream()
                .anyMatch(e -> e.error() != null && e.error().contains("already exists and does not match")));
        assertThat(usersRows(table)).as("after resync").containsExactly(USERS_ROW);

        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        assertThat(usersRows(table)).as("after drop --drop-destination").containsExactly(USERS_ROW);
    }

    @Test
    void shouldRefuseAMirrorWhoseDestinationIsItsOwnSourceTableThroughAnotherPeer() throws Exception {
        String name = "same_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)", "INSERT INTO " + table
                + " VALUES (1, 'one')");
        bed.peers(name);
        // A second peer for the source database, under another name.
        bed.ok("peer", "create", name + "_again", "--type", "postgres", "--url", bed.url(bed.source),
                "--password-file", state.resolve("password").toString());

        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", bed.spec(name, """
                name: %1$s
                source: %1$s_src
                destination: %1$s_again
                tables:
                  - source: public.%2$s
                """.formatted(name, table)).toString());

        assertThat(run.exit()).as("out: %s\nerr: %s", run.out(), run.err()).isEqualTo(1);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("destination table public." + table + " is source table public." + table + " itself")
                .contains("are the same database");
        assertNothingWritten(name);
        assertThat(count(bed.source, "SELECT count(*) FROM " + table)).isEqualTo(1);
    }

    @Test
    void shouldRefuseASecondMirrorOnAnotherMirrorsDestinationTableAndKeepTheFirstMirroring() throws Exception {
        String first = "first_" + ScratchDatabase.randomSuffix();
        String second = "second_" + ScratchDatabase.randomSuffix();
        String table = first + "_t";
        String other = second + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "CREATE TABLE " + other + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " VALUES (1, 'one')");
        bed.peers(first);
        bed.ok("mirror", "create", "-f", spec(first, table, "public." + table).toString());
        // The second mirror's peers have other names for the same databases.
        bed.peers(second);
        Path secondSpec = bed.mirrorSpec(second, """
                tables:
                  - source: public.%2$s
                    destination: public.%3$s
                """.formatted(second, other, table));

        // Refused while the first mirror has not set up yet (the catalog knows it) and once it has.
        MirrorTestBed.Run early = bed.cli("mirror", "create", "-f", secondSpec.toString());
        bed.ok("mirror", "wait", first, "--caught-up", "--timeout", "60s");
        MirrorTestBed.Run late = bed.cli("mirror", "create", "-f", secondSpec.toString());

        for (MirrorTestBed.Run run : List.of(early, late)) {
            assertThat(run.exit()).as("out: %s\nerr: %s", run.out(), run.err()).isEqualTo(1);
            assertThat(run.err().strip()).doesNotContain("\n")
                    .contains("destination table public." + table + " belongs to mirror " + first);
        }
        assertNothingWritten(second);
        bed.source.execute("INSERT INTO " + table + " VALUES (2, 'two')");
        bed.ok("mirror", "wait", first, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        bed.ok("mirror", "drop", first, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldRefuseMirrorflowsOwnAndPostgresqlsSchemasAsDestination() throws Exception {
        String name = "system_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        bed.peers(name);
        for (String destination : List.of("_mirrorflow.checkpoints", "pg_catalog.pg_class", "information_schema.tables",
                "pg_toast.t")) {
            MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", spec(name, table, destination).toString());

            assertThat(run.exit()).as("%s\nout: %s\nerr: %s", destination, run.out(), run.err()).isEqualTo(1);
            assertThat(run.err().strip()).as(destination).doesNotContain("\n")
                    .contains("destination table " + destination + " is in schema ")
                    .endsWith("; map the table to another schema");
            assertNothingWritten(name);
        }
    }

    private static Path spec(String name, String table, String destination) throws Exception {
        return bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                    destination: %3$s
                idleTimeout: 200ms
                """.formatted(name, table, destination));
    }

    private static void usersTable(String table) throws SQLException {
        bed.destination.execute("CREATE TABLE " + table + " (id text PRIMARY KEY, other int, extra jsonb)",
                "INSERT INTO " + table + " VALUES ('x', 7, '{\"k\": 1}')");
    }

    private static List<String> usersRows(String table) throws SQLException {
        List<String> rows = new java.util.ArrayList<>();
        try (Connection c = bed.destination.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id || ' ' || other || ' ' || extra FROM " + table)) {
            while (r.next()) {
                rows.add(r.getString(1));
            }
        }
        return rows;
    }

    private static void assertNothingWritten(String name) throws SQLException {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().findLatest(name)).as("no catalog row").isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .as("no publication").isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_" + name
                + "'")).as("no slot").isZero();
    }

    private static List<MirrorEvent> errors(String name) {
        return bed.errors(name);
    }
}
