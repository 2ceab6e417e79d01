package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.count;
import static dev.mirrorflow.worker.MirrorTestBed.temporal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.cli.MirrorflowCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * `mirror drop` in every state a mirror can be in, through the CLI with a worker in this JVM, on
 * the real Temporal dev server and PostgreSQL: what the mirror made at the source goes (slot,
 * publication), the catalog says dropped, and whatever could not go is named with its SQL.
 */
class MirrorDropIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);


    @Test
    void shouldDropAMirrorThatFailedWhileStreamingWithItsSlotPublicationAndDestinationTables() throws Exception {
        String name = "dropfail_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 100) g");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                idleTimeout: 200ms
                """.formatted(name, table)).toString());
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        // Someone changes the destination table so that it no longer fits the source: the mirror fails.
        bed.destination.execute("ALTER TABLE " + table + " ALTER COLUMN v TYPE varchar(200)");
        bed.ok("mirror", "resume", name);
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        assertThat(slots(name)).as("the failed mirror's slot holds WAL").isEqualTo(1);

        MirrorTestBed.Run drop = bed.cli("mirror", "drop", name, "--drop-destination", "--timeout", "60s");

        assertThat(drop.exit()).as("out: %s\nerr: %s", drop.out(), drop.err()).isZero();
        assertThat(drop.out()).contains("mirror " + name + " dropped with its destination tables");
        assertThat(slots(name)).as("slot gone").isZero();
        assertThat(publications("mirrorflow_" + name)).as("publication gone").isZero();
        assertThat(count(bed.destination, "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'"))
                .as("destination table gone").isZero();
        assertDroppedInTheCatalog(name);
        assertThat(bed.ok("mirror", "history", name).out()).contains("FAILED").contains("outcome: TERMINATED");

        MirrorTestBed.Run again = bed.cli("mirror", "drop", name);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().strip()).isEqualTo("mirrorflow: mirror '" + name + "' was dropped; see mirrorflow mirror history "
                + name);
    }

    @Test
    void shouldDropAMirrorThatFailedInSetupAfterTemporalForgotItsWorkflow() throws Exception {
        String name = "dropsetup_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        // The source's column has a type the destination has when the mirror is created (create
        // checks it) and lacks once a worker sets the mirror up: setup fails.
        bed.source.execute("CREATE DOMAIN " + table + "_amount AS numeric(12,2)",
                "CREATE TABLE " + table + " (id int PRIMARY KEY, amount " + table + "_amount)");
        bed.destination.execute("CREATE DOMAIN " + table + "_amount AS numeric(12,2)");
        bed.peers(name);
        String later = "e2e-later-" + UUID.randomUUID();
        MirrorTestBed.Run create = cliOnQueue(later, "mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                """.formatted(name, table)).toString());
        assertThat(create.exit()).as(create.err()).isZero();
        bed.destination.execute("DROP DOMAIN " + table + "_amount");
        try (WorkerRuntime worker = WorkerRuntime.start(bed.catalogDb.catalogConfig(),
                new TemporalConnection.Settings(MirrorTestBed.TEMPORAL, MirrorTestBed.NAMESPACE, later), state)) {
            bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        }
        assertThat(publications("mirrorflow_" + name)).as("setup made the publication").isEqualTo(1);
        // Temporal's retention expiring, simulated.
        temporal("workflow", "delete", "--workflow-id", "mirror/" + name, "--yes");
        MirrorTestBed.await("the workflow forgotten", PHASE_TIMEOUT, () -> {
            try {
                return !temporal("workflow", "list", "--query", "WorkflowId='mirror/" + name + "'").contains(name);
            } catch (Exception e) {
                return false;
            }
        });

        bed.ok("mirror", "drop", name, "--timeout", "60s");

        assertThat(publications("mirrorflow_" + name)).as("publication gone").isZero();
        assertDroppedInTheCatalog(name);
    }

    @Test
    void shouldDropAMirrorNoWorkerEverSetUp() throws Exception {
        String name = "dropnew_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        bed.peers(name);
        // No worker polls this task queue.
        String idle = "e2e-idle-" + UUID.randomUUID();
        Path spec = bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                """.formatted(name, table));
        MirrorTestBed.Run create = cliOnQueue(idle, "mirror", "create", "-f", spec.toString());
        assertThat(create.exit()).as(create.err()).isZero();

        MirrorTestBed.Run drop = cliOnQueue(idle, "mirror", "drop", name, "--timeout", "60s");

        assertThat(drop.exit()).as("out: %s\nerr: %s", drop.out(), drop.err()).isZero();
        assertThat(drop.out()).contains("mirror " + name + " dropped; no worker had set it up");
        assertDroppedInTheCatalog(name);
        assertThat(temporal("workflow", "describe", "--workflow-id", "mirror/" + name, "--output", "json"))
                .as("its workflow ended").contains("WORKFLOW_EXECUTION_STATUS_TERMINATED");
        assertThat(publications("mirrorflow_" + name)).isZero();
    }

    @Test
    void shouldDropAMirrorWhoseSourceIsUnreachableNamingTheSlotAndPublicationLeftAndTheirSql() throws Exception {
        String name = "dropgone_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        try (TcpProxy network = new TcpProxy("127.0.0.1", port(bed.source))) {
            bed.ok("peer", "create", name + "_src", "--type", "postgres", "--url", "postgres://" + bed.role
                    + "@127.0.0.1:" + network.port() + "/" + bed.source.name(),
                    "--password-file", state.resolve("password").toString());
            bed.ok("peer", "create", name + "_dst", "--type", "postgres", "--url", "postgres://" + bed.role
                    + "@127.0.0.1:" + port(bed.destination) + "/" + bed.destination.name(),
                    "--password-file", state.resolve("password").toString());
            bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: public.%2$s
                    initialLoad: false
                    idleTimeout: 200ms
                    """.formatted(name, table)).toString());
            // A streamed row proves the slot was made (and not still being built) before the cut.
            bed.source.execute("INSERT INTO " + table + " VALUES (1, 'streamed')");
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
            assertThat(slots(name)).isEqualTo(1);
            // The source goes away while the mirror streams; the mirror retries.
            network.close();
            String slot = "mirrorflow_" + name;
            try {
                MirrorTestBed.Run drop = bed.cli("mirror", "drop", name, "--timeout", "120s");

                assertThat(drop.exit()).as("out: %s\nerr: %s", drop.out(), drop.err()).isEqualTo(1);
                String message = drop.err().strip();
                assertThat(message).doesNotContain("\n")
                        .startsWith("mirrorflow: mirror " + name + " dropped, but it could not remove replication slot "
                                + slot + " on 127.0.0.1:" + network.port() + "/" + bed.source.name())
                        .contains("SELECT pg_drop_replication_slot('" + slot + "')")
                        .contains("publication " + slot).contains("DROP PUBLICATION \"" + slot + "\"")
                        .doesNotContain(bed.password);
                assertDroppedInTheCatalog(name);
                assertThat(bed.ok("mirror", "history", name).out()).contains("outcome: TERMINATED")
                        .contains("SELECT pg_drop_replication_slot('" + slot + "')");
                assertThat(slots(name)).as("still on the source, as the message says").isEqualTo(1);
            } finally {
                bed.source.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        + "WHERE slot_name = '" + slot + "'", "DROP PUBLICATION IF EXISTS " + slot);
            }
        }
    }

    @Test
    void shouldNotDropASlotAnotherProcessStreamsFromButSayWhoHoldsIt() throws Exception {
        String name = "dropbusy_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        String slot = name + "_slot";
        String publication = name + "_pub";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table,
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        ProcessBuilder recvlogical = new ProcessBuilder(pgRecvlogical(), "-d", bed.source.name(), "-h", "127.0.0.1",
                "-p", String.valueOf(port(bed.source)), "-U", ScratchDatabase.USER, "--slot", slot, "--start",
                "-o", "proto_version=1", "-o", "publication_names=" + publication, "-f", "/dev/null")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        recvlogical.environment().put("PGPASSWORD", ScratchDatabase.PASSWORD);
        Process holder = recvlogical.start();
        try {
            MirrorTestBed.await("pg_recvlogical holding the slot", PHASE_TIMEOUT, () -> activePid(slot) != null);
            bed.peers(name);
            bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: public.%2$s
                    initialLoad: false
                    idleTimeout: 200ms
                    slot: %3$s
                    publication: %4$s
                    """.formatted(name, table, slot, publication)).toString());
            MirrorTestBed.await("the mirror retrying the busy slot", PHASE_TIMEOUT,
                    () -> String.valueOf(bed.mirror(name).lastError()).contains("in use by PID"));

            MirrorTestBed.Run drop = bed.cli("mirror", "drop", name, "--timeout", "120s");

            assertThat(drop.exit()).as("out: %s\nerr: %s", drop.out(), drop.err()).isEqualTo(1);
            assertThat(drop.err().strip()).doesNotContain("\n")
                    .contains("could not remove replication slot " + slot)
                    .contains("it is in use by PID " + activePid(slot) + "; stop that process first")
                    .contains("SELECT pg_drop_replication_slot('" + slot + "')")
                    .doesNotContain("publication " + publication + " on");
            assertThat(activePid(slot)).as("the holder keeps its slot").isNotNull();
            assertThat(publications(publication)).as("the spec's own publication stays").isEqualTo(1);
            assertDroppedInTheCatalog(name);
        } finally {
            holder.destroy();
            holder.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            MirrorTestBed.await("the holder gone", PHASE_TIMEOUT, () -> activePid(slot) == null);
            bed.source.execute("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    private static void assertDroppedInTheCatalog(String name) {
        MirrorRow row = bed.mirror(name);
        assertThat(row.droppedAt()).as("dropped in the catalog").isNotNull();
        assertThat(row.phase()).isEqualTo(MirrorPhase.TERMINATED);
        assertThat(bed.ok("mirror", "list").out()).doesNotContain(name);
    }

    private static long slots(String name) throws SQLException {
        return count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_" + name + "'");
    }

    private static long publications(String publication) throws SQLException {
        return count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = '" + publication + "'");
    }

    private static Long activePid(String slot) {
        try {
            long pid = count(bed.source, "SELECT coalesce(max(active_pid), 0) FROM pg_replication_slots "
                    + "WHERE slot_name = '" + slot + "'");
            return pid == 0 ? null : pid;
        } catch (SQLException e) {
            return null;
        }
    }

    private static int port(ScratchDatabase db) {
        return Integer.parseInt(db.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1"));
    }

    private static String pgRecvlogical() throws Exception {
        Process p = new ProcessBuilder("sh", "-c",
                "command -v pg_recvlogical || ls /usr/lib/postgresql/*/bin/pg_recvlogical | tail -1").start();
        return new String(p.getInputStream().readAllBytes()).strip();
    }

    /** The CLI as {@link MirrorTestBed#cli} runs it, on another task queue. */
    private static MirrorTestBed.Run cliOnQueue(String queue, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--catalog-url", bed.catalogDb.jdbcUrl(), "--temporal-address", MirrorTestBed.TEMPORAL,
                "--temporal-namespace", MirrorTestBed.NAMESPACE, "--task-queue", queue));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MirrorflowCommand.commandLine(Map.of("MIRRORFLOW_STATE_DIR", state.toString())::get);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new MirrorTestBed.Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }
}
