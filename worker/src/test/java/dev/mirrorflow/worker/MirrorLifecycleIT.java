package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static dev.mirrorflow.worker.MirrorTestBed.temporal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL to PostgreSQL mirrors driven through the CLI, on the real Temporal dev server and
 * real PostgreSQL, with a worker in this JVM.
 */
class MirrorLifecycleIT {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path state;

    private static MirrorTestBed bed;
    private static WorkerRuntime worker;
    private static SecretScan.LogWatch logs;

    @BeforeAll
    static void environment() throws Exception {
        bed = new MirrorTestBed(state);
        logs = SecretScan.LogWatch.attach(bed.password);
        bed.source.execute("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text)");
        worker = WorkerRuntime.start(bed.catalogDb.catalogConfig(),
                new TemporalConnection.Settings(MirrorTestBed.TEMPORAL, MirrorTestBed.NAMESPACE, bed.queue), state);
    }

    @AfterAll
    static void teardown() throws Exception {
        if (worker != null) {
            worker.close();
        }
        bed.close();
        // What the worker, its activities and the CLI logged, and what Temporal keeps of every
        // mirror, in every test of this class.
        logs.detach();
        logs.assertNoSecretLogged("streaming slot");
        SecretScan.assertNoSecretOnTaskQueue(bed.queue, bed.password);
    }

    @Test
    void shouldMirrorChangesPauseResumeAndDropWithHistoryKeptInTheCatalog() throws Exception {
        String name = "e2e_" + ScratchDatabase.randomSuffix();
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.orders
                initialLoad: false
                batchSize: 100
                idleTimeout: 200ms
                """.formatted(name)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);

        bed.source.execute("INSERT INTO orders SELECT g, g, 'n' || g FROM generate_series(1, 500) g",
                "UPDATE orders SET qty = qty * 2 WHERE id % 2 = 0",
                "DELETE FROM orders WHERE id % 5 = 0");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, "orders")).isEqualTo(checksum(bed.source, "orders"));
        assertThat(bed.ok("mirror", "status", name).out())
                .contains("phase    RUNNING").contains("rows in").contains("of WAL behind the source");

        // Caught up and idle, the stream heartbeats every 2 s (a quarter of the default 8 s
        // timeout), and hears of the pause with the next beat: it stops well within the timeout.
        Thread.sleep(3000);
        long pausing = System.nanoTime();
        bed.ok("mirror", "pause", name, "--reason", "e2e pause");
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - pausing)).as("pause of an idle mirror")
                .isLessThan(Duration.ofSeconds(8));
        bed.source.execute("INSERT INTO orders VALUES (1000, 1, 'while paused')");
        Thread.sleep(1000);
        assertThat(count(bed.destination, "SELECT count(*) FROM orders WHERE id = 1000")).as("paused").isZero();
        bed.ok("mirror", "resume", name);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, "orders")).isEqualTo(checksum(bed.source, "orders"));

        // The catalog's batches chain up, across the pause: each starts where the one before ended.
        try (dev.mirrorflow.catalog.Catalog catalog = dev.mirrorflow.catalog.Catalog.open(bed.catalogDb.catalogConfig())) {
            List<dev.mirrorflow.catalog.CdcBatch> batches = new java.util.ArrayList<>(
                    catalog.cdcBatches().recent(bed.mirror(name).id(), 1000));
            batches.sort(java.util.Comparator.comparingLong(dev.mirrorflow.catalog.CdcBatch::batchId));
            assertThat(batches).hasSizeGreaterThan(5);
            assertThat(batches.get(0).firstPosition()).isNull();
            for (int i = 1; i < batches.size(); i++) {
                assertThat(batches.get(i).firstPosition()).as("batch " + batches.get(i).batchId())
                        .isEqualTo(batches.get(i - 1).lastPosition());
            }
        }

        // No secret in what Temporal keeps, in any run of the chain (the pause ended one).
        assertThat(SecretScan.assertNoSecretInHistories(name, bed.password)).as("runs scanned").isGreaterThan(1);

        bed.ok("mirror", "drop", name, "--timeout", "60s");
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();

        // Temporal's retention expiring, simulated: the catalog still tells the whole story.
        temporal("workflow", "delete", "--workflow-id", "mirror/" + name, "--yes");
        assertThat(bed.ok("mirror", "history", name).out())
                .contains("PAUSED").contains("e2e pause").contains("outcome: TERMINATED");
        assertThat(bed.ok("mirror", "status", name).out()).contains("dropped").contains("TERMINATED");
    }

    @Test
    void shouldLoadThreeTablesWhileTheyAreWrittenPauseInTheLoadAndEndEqual() throws Exception {
        String name = "load_" + ScratchDatabase.randomSuffix();
        List<String> tables = List.of(name + "_a", name + "_b", name + "_c");
        for (String t : tables) {
            bed.source.execute("CREATE TABLE " + t + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                    "INSERT INTO " + t + " SELECT g, g, md5(g::text) FROM generate_series(1, 20000) g");
        }
        bed.peers(name);
        Path spec = bed.mirrorSpec(name, """
                tables:
                  - source: public.%1$s_a
                  - source: public.%1$s_b
                  - source: public.%1$s_c
                batchSize: 500
                idleTimeout: 200ms
                snapshot:
                  rowsPerPartition: 1000
                  parallelism: 2
                """.formatted(name));

        try (SourceWriter writer = SourceWriter.start(bed.source, tables, 20_000)) {
            bed.ok("mirror", "create", "-f", spec.toString());
            bed.awaitPhase(name, MirrorPhase.SNAPSHOT, PHASE_TIMEOUT);
            bed.ok("mirror", "pause", name, "--reason", "pause in the load");
            bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
            assertThat(bed.ok("mirror", "status", name).out()).contains("PAUSED").contains("partitions");
            bed.ok("mirror", "resume", name);
            bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
            Thread.sleep(2000);
        }
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        for (String t : tables) {
            assertThat(checksum(bed.destination, t)).as(t).isEqualTo(checksum(bed.source, t));
        }

        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM pg_tables WHERE tablename LIKE '" + name + "%'"))
                .isZero();
    }

    @Test
    void shouldRetryABusySlotWithBackoffShowingTheHolderAndStreamOnceItIsReleased() throws Exception {
        String name = "busy_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        // The spec names its own slot and publication, which exist already.
        String slot = name + "_slot";
        String publication = name + "_pub";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table,
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        // A foreign client streams from the mirror's slot, as a forgotten pg_recvlogical would.
        ProcessBuilder recvlogical = new ProcessBuilder(pgRecvlogical(), "-d", bed.source.name(), "-h", "127.0.0.1",
                "-p", bed.source.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1"), "-U", ScratchDatabase.USER,
                "--slot", slot, "--start", "-o", "proto_version=1",
                "-o", "publication_names=" + publication, "-f", "/dev/null")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        recvlogical.environment().put("PGPASSWORD", ScratchDatabase.PASSWORD);
        Process holder = recvlogical.start();
        MirrorTestBed.await("pg_recvlogical holding the slot", PHASE_TIMEOUT, () -> {
            try {
                return count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = "
                        + "'" + slot + "'") == 1;
            } catch (java.sql.SQLException e) {
                return false;
            }
        });
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                initialLoad: false
                idleTimeout: 200ms
                retry: {initialInterval: 1500ms, backoffCoefficient: 1.5}
                sourceOptions:
                  slot: %3$s
                  publication: %4$s
                """.formatted(name, table, slot, publication)).toString());

        MirrorTestBed.await("three failed attempts", PHASE_TIMEOUT, () -> errors(name).size() >= 3);
        List<dev.mirrorflow.catalog.MirrorEvent> errors = errors(name);
        assertThat(errors.get(0).error()).contains("in use by PID").contains("attempt 1, retrying");
        assertThat(errors.get(1).error()).contains("attempt 2");
        // The spec's retry policy spaces the attempts: 1.5 s, then 2.25 s (minus scheduling
        // slack), where the default would give 1 s and 2 s.
        assertThat(Duration.between(errors.get(0).occurredAt(), errors.get(1).occurredAt())).isGreaterThan(Duration.ofMillis(1300));
        assertThat(Duration.between(errors.get(1).occurredAt(), errors.get(2).occurredAt())).isGreaterThan(Duration.ofMillis(2050));
        assertThat(bed.ok("mirror", "status", name).out()).contains("error").contains("in use by PID");

        holder.destroy();
        holder.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        bed.source.execute("INSERT INTO " + table + " VALUES (1, 'after release')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'mirrorflow_"
                + name + "%'")).as("no default-named slot").isZero();

        // A second mirror may not share the slot, also when its spec names it in the old form.
        MirrorTestBed.Run shared = bed.cli("mirror", "create", "-f", bed.spec(name + "_b", """
                name: %1$s_b
                source: %1$s_src
                destination: %1$s_dst
                tables:
                  - source: public.%2$s
                    destination: public.%2$s_b
                slot: %3$s
                """.formatted(name, table, slot)).toString());
        assertThat(shared.exit()).isEqualTo(1);
        assertThat(shared.err().strip()).contains("mirror " + name + " already uses replication slot " + slot)
                .doesNotContain("\n");

        bed.ok("mirror", "drop", name, "--timeout", "60s");
        // The slot goes with the mirror; the publication the spec named stays.
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
                .isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = '" + publication + "'"))
                .isEqualTo(1);
    }

    private static List<dev.mirrorflow.catalog.MirrorEvent> errors(String name) {
        return bed.errors(name);
    }

    private static String pgRecvlogical() throws Exception {
        Process p = new ProcessBuilder("sh", "-c",
                "command -v pg_recvlogical || ls /usr/lib/postgresql/*/bin/pg_recvlogical | tail -1").start();
        return new String(p.getInputStream().readAllBytes()).strip();
    }

    @Test
    void shouldReloadTheDestinationOnResync() throws Exception {
        String name = "resync_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        // Enough rows that the load takes a while: waiting must not end while it copies.
        mirrorOneTableCaughtUp(name, table, 200_000);
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        // Someone damages the destination behind the mirror's back; a resync repairs it.
        bed.destination.execute("DELETE FROM " + table + " WHERE id <= 1000", "UPDATE " + table + " SET v = 'damaged'");
        bed.ok("mirror", "resync", name);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).as("reloaded").isEqualTo(checksum(bed.source, table));
        bed.source.execute("INSERT INTO " + table + " VALUES (500000, 'after resync')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        assertThat(bed.ok("mirror", "history", name).out()).contains("resync requested");
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldRefuseAMirrorOfAMissingTableInOneLineAndWriteNothing() throws Exception {
        String name = "missing_" + ScratchDatabase.randomSuffix();
        bed.peers(name);
        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.does_not_exist
                """.formatted(name)).toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).contains("table public.does_not_exist does not exist").doesNotContain("\n");
        try (dev.mirrorflow.catalog.Catalog catalog = dev.mirrorflow.catalog.Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().findLatest(name)).isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();
    }

    @Test
    void shouldFailWithTheReasonWhenTheDestinationTableCannotHoldTheSource() throws Exception {
        String name = "fail_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        // The source gains a column of a type the destination lacks while the mirror streams (a
        // type missing at create, or a differently shaped destination table that existed before,
        // is refused at create instead; see MirrorCreateChecksIT and DestinationSafetyIT).
        bed.source.execute("CREATE DOMAIN " + table + "_amount AS numeric(12,2)",
                "CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                idleTimeout: 200ms
                """.formatted(name, table)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.source.execute("ALTER TABLE " + table + " ADD COLUMN amount " + table + "_amount",
                "INSERT INTO " + table + " VALUES (1, 'one', 1.50)");

        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        String status = bed.ok("mirror", "status", name).out();
        assertThat(status).contains("FAILED").contains("column amount").contains("does not exist at the destination");
        assertThat(bed.ok("mirror", "history", name).out()).contains("outcome: FAILED");
        assertThat(errors(name)).as("a problem the user must fix is not retried").hasSize(1);
    }

    @Test
    void shouldFailRatherThanSkipChangesWhenItsSlotWasDroppedBehindItsBack() throws Exception {
        String name = "lost_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        mirrorOneTableCaughtUp(name, table, 100);
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);

        // While the mirror is paused, someone drops its slot and the source changes.
        MirrorTestBed.await("the slot dropped", PHASE_TIMEOUT, () -> {
            try {
                bed.source.execute("SELECT pg_drop_replication_slot('mirrorflow_" + name + "')");
                return true;
            } catch (java.sql.SQLException e) {
                return false; // still active for a moment after the pause
            }
        });
        bed.source.execute("INSERT INTO " + table + " VALUES (1000, 'written while no slot kept it')");
        bed.ok("mirror", "resume", name);

        // A new slot would start after that insert: the mirror says so instead of skipping it.
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        assertThat(bed.ok("mirror", "status", name).out()).contains("FAILED")
                .contains("replication slot mirrorflow_" + name + " of mirror " + name + " no longer exists")
                .contains("mirrorflow mirror resync " + name);
        assertThat(errors(name)).as("not retried").hasSize(1);
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).as("no slot made up").isZero();

        // As the message says, a resync brings the failed mirror back, with the row it missed.
        assertThat(bed.ok("mirror", "resync", name).out()).contains("resync requested for mirror " + name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        assertThat(count(bed.destination, "SELECT count(*) FROM " + table + " WHERE id = 1000")).isEqualTo(1);
        List<String> history = bed.ok("mirror", "history", name).out().lines().toList();
        assertThat(history).anyMatch(line -> line.contains("resync requested"));
        // Each run's outcome stands where it ended; the mirror streams again, and that is what ends the history.
        int failedOutcome = indexOf(history, "outcome: FAILED");
        assertThat(failedOutcome).as(String.join("\n", history)).isPositive();
        assertThat(history.get(failedOutcome - 1)).contains("PHASE  FAILED");
        assertThat(history.subList(failedOutcome + 1, history.size())).anyMatch(line -> line.contains("PHASE  RUNNING"));
        assertThat(history.get(history.size() - 1)).startsWith("now: RUNNING since");
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    private static int indexOf(List<String> lines, String start) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(start)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void shouldSayNothingChangedForAPauseOfAPausedAndAResumeOfARunningMirrorAndKeepAReasonPrintable()
            throws Exception {
        String name = "steer_" + ScratchDatabase.randomSuffix();
        mirrorOneTableCaughtUp(name, name + "_t", 10);

        MirrorTestBed.Run resume = bed.ok("mirror", "resume", name);
        assertThat(resume.out().strip()).isEqualTo("mirror " + name + " is not paused (it is RUNNING); nothing changed");

        // An escape sequence in a reason would recolour and retitle other operators' terminals.
        String reason = "\u001b[31mdisk\u001b]0;owned\u0007 full\nFAKE LINE " + "x".repeat(500);
        bed.ok("mirror", "pause", name, "--reason", reason);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        String stored = bed.mirror(name).phaseReason();
        assertThat(stored).startsWith("disk full FAKE LINE xxx").doesNotContain("\u001b", "\u0007", "\n").hasSize(200);

        MirrorTestBed.Run pause = bed.ok("mirror", "pause", name, "--reason", "again");
        assertThat(pause.out().strip()).isEqualTo("mirror " + name + " is already paused; nothing changed");
        assertThat(bed.mirror(name).phaseReason()).isEqualTo(stored);

        bed.ok("mirror", "resume", name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldRefuseANamespaceThatDoesNotExistNamingItAndKeepNothing() throws Exception {
        String name = "nons_" + ScratchDatabase.randomSuffix();
        bed.peers(name);
        String namespace = "no_such_ns_" + ScratchDatabase.randomSuffix();
        MirrorTestBed.Run run = bed.cli("mirror", "create", "--temporal-namespace", namespace, "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.orders
                """.formatted(name)).toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("mirrorflow: Temporal at " + MirrorTestBed.TEMPORAL + " has no namespace '"
                + namespace + "'; create it (temporal operator namespace create --namespace " + namespace
                + ") or set MIRRORFLOW_TEMPORAL_NAMESPACE to an existing one");
        try (dev.mirrorflow.catalog.Catalog catalog = dev.mirrorflow.catalog.Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().findLatest(name)).isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).isZero();
    }

    @Test
    void shouldReportAFailingCheckBeforeAnUnreachableTemporalAndKeepNothingForEither() throws Exception {
        String name = "notemporal_" + ScratchDatabase.randomSuffix();
        bed.peers(name);
        // Temporal is connected to while the checks run: the check's problem is still the one said.
        MirrorTestBed.Run missingTable = bed.cliWithTemporalAt("127.0.0.1:1", "mirror", "create", "-f",
                bed.mirrorSpec(name, """
                        tables:
                          - source: public.does_not_exist
                        """.formatted(name)).toString());
        assertThat(missingTable.exit()).isEqualTo(1);
        assertThat(missingTable.err().strip()).contains("table public.does_not_exist does not exist")
                .doesNotContain("Temporal").doesNotContain("\n");

        MirrorTestBed.Run unreachable = bed.cliWithTemporalAt("127.0.0.1:1", "mirror", "create", "-f",
                bed.mirrorSpec(name, """
                        tables:
                          - source: public.orders
                        """.formatted(name)).toString());
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err().strip()).startsWith("mirrorflow: cannot reach Temporal at 127.0.0.1:1")
                .contains("MIRRORFLOW_TEMPORAL_ADDRESS").doesNotContain("\n");
        try (dev.mirrorflow.catalog.Catalog catalog = dev.mirrorflow.catalog.Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().findLatest(name)).isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();
    }

    @Test
    void shouldKeepNoCatalogRowWhenTheWorkflowCannotStart() throws Exception {
        String name = "nostart_" + ScratchDatabase.randomSuffix();
        bed.peers(name);
        // Someone else's workflow already holds the mirror's workflow id, on a queue no worker polls.
        temporal("workflow", "start", "--workflow-id", "mirror/" + name, "--type", "Mirror",
                "--task-queue", "nobody-" + name);
        try {
            MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: public.orders
                    """.formatted(name)).toString());

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err().strip()).startsWith("mirrorflow: could not start the workflow of mirror " + name + ": ")
                    .endsWith("; nothing was kept, try again").doesNotContain("\n");
            try (dev.mirrorflow.catalog.Catalog catalog = dev.mirrorflow.catalog.Catalog.open(bed.catalogDb.catalogConfig())) {
                assertThat(catalog.mirrors().findLatest(name)).as("no row, not even a dropped one").isEmpty();
            }
        } finally {
            temporal("workflow", "terminate", "--workflow-id", "mirror/" + name, "--reason", "test over");
        }
    }

    /** A mirror of one new table of {@code rows} rows, loaded and caught up. */
    private static void mirrorOneTableCaughtUp(String name, String table, int rows) throws Exception {
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, " + rows + ") g");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                idleTimeout: 200ms
                """.formatted(name, table)).toString());
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
    }

    /** Inserts, updates and deletes rows of the given tables until closed. */
    static final class SourceWriter implements AutoCloseable {
        private final AtomicBoolean writing = new AtomicBoolean(true);
        private final Thread thread;
        private volatile Exception failure;

        private SourceWriter(ScratchDatabase db, List<String> tables, int existingRows) {
            thread = new Thread(() -> {
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    for (int i = 0; writing.get(); i++) {
                        String t = tables.get(i % tables.size());
                        st.execute("INSERT INTO " + t + " VALUES (" + (10_000_000 + i) + ", " + i + ", 'new')");
                        st.execute("UPDATE " + t + " SET v = v + 1 WHERE id = " + (1 + (i * 7919L) % existingRows));
                        st.execute("DELETE FROM " + t + " WHERE id = " + (1 + (i * 104729L) % existingRows));
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    failure = e;
                }
            }, "source-writer");
        }

        static SourceWriter start(ScratchDatabase db, List<String> tables, int existingRows) {
            SourceWriter writer = new SourceWriter(db, tables, existingRows);
            writer.thread.start();
            return writer;
        }

        @Override
        public void close() throws Exception {
            writing.set(false);
            thread.join(Duration.ofSeconds(60).toMillis());
            assertThat(thread.isAlive()).as("source writer stopped within 60 s").isFalse();
            if (failure != null) {
                throw failure;
            }
        }
    }
}
