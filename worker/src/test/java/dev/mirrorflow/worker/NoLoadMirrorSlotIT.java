package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mirrors without an initial load, through the CLI with a worker in this JVM: their slot exists
 * from the moment the catalog says RUNNING, so a row written the moment a user sees RUNNING is
 * mirrored, and a slot lost before the first batch fails the mirror instead of being made up anew.
 */
class NoLoadMirrorSlotIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);


    @Test
    void shouldMirrorRowsWrittenTheMomentTheCatalogSaysRunning() throws Exception {
        // A few mirrors, so that the window between RUNNING and the slot cannot hide by chance.
        for (int round = 0; round < 3; round++) {
            String name = "nl_" + ScratchDatabase.randomSuffix();
            String table = name + "_t";
            bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
            bed.peers(name);
            bed.ok("mirror", "create", "-f", noLoadSpec(name, table).toString());

            // As a user watching `mirror status` would, only faster: the moment RUNNING shows.
            boolean slotAtRunning;
            try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
                awaitRunningPolledFast(catalog, name);
                slotAtRunning = count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                        + "'mirrorflow_" + name + "'") == 1;
                bed.source.execute("INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 400) g");
            }

            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
            assertThat(checksum(bed.destination, table)).as("round %d", round)
                    .startsWith("400:").isEqualTo(checksum(bed.source, table));
            // Rows that happened to come after the slot must not hide the window.
            assertThat(slotAtRunning).as("round %d: the slot exists once the catalog says RUNNING", round).isTrue();
            bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        }
    }

    @Test
    void shouldApplyASmallTransactionOfAQuietSourceLongBeforeTheIdleTimeout() throws Exception {
        String name = "linger_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        bed.peers(name);
        // The default batchLinger; the idle timeout alone would hold the row back for a minute.
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                initialLoad: false
                idleTimeout: 60s
                """.formatted(name, table)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);

        bed.source.execute("INSERT INTO " + table + " VALUES (1, 'one')");
        MirrorTestBed.await("the row at the destination well before the 60 s idle timeout", Duration.ofSeconds(15),
                () -> {
                    try {
                        return count(bed.destination, "SELECT count(*) FROM " + table) == 1;
                    } catch (SQLException e) {
                        return false;
                    }
                });
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldSayWhatSlotCreationWaitsForAndGoOnOnceTheSourcesTransactionEnds() throws Exception {
        String name = "slotwait_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        bed.peers(name);
        // A transaction with an xid, open at the source: a logical slot cannot be created before it ends.
        try (java.sql.Connection open = bed.source.connect(); java.sql.Statement st = open.createStatement()) {
            open.setAutoCommit(false);
            st.execute("INSERT INTO " + table + " VALUES (1, 'long transaction')");
            bed.ok("mirror", "create", "-f", noLoadSpec(name, table).toString());
            MirrorTestBed.await("the wait reported", Duration.ofSeconds(60), () -> {
                String error = bed.mirror(name).lastError();
                return error != null && error.startsWith("mirror " + name + ": creating replication slot mirrorflow_"
                        + name + " has waited ") && error.contains(" for the transactions running at the source to end");
            });
            assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.SETUP);
            assertThat(bed.ok("mirror", "status", name).out()).contains("for the transactions running at the source");
            open.commit();
        }
        bed.awaitPhase(name, MirrorPhase.RUNNING, Duration.ofSeconds(60));
        bed.source.execute("INSERT INTO " + table + " VALUES (2, 'after')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM " + table)).as("row 1 came before the slot").isEqualTo(1);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldFailRatherThanMakeUpANewSlotWhenItIsDroppedBeforeTheFirstBatch() throws Exception {
        String name = "nllost_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", noLoadSpec(name, table).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.cdcBatches().lastBatchId(bed.mirror(name).id())).as("no batch yet").isZero();
        }

        // Before any batch, someone drops the slot and the source changes.
        MirrorTestBed.await("the slot dropped", PHASE_TIMEOUT, () -> {
            try {
                bed.source.execute("SELECT pg_drop_replication_slot('mirrorflow_" + name + "')");
                return true;
            } catch (SQLException e) {
                return false; // still active for a moment after the pause
            }
        });
        bed.source.execute("INSERT INTO " + table + " VALUES (1, 'written while no slot kept it')");
        bed.ok("mirror", "resume", name);

        // A new slot would start after that insert: the mirror says so instead of skipping it.
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        assertThat(bed.ok("mirror", "status", name).out()).contains("FAILED")
                .contains("replication slot mirrorflow_" + name + " of mirror " + name + " no longer exists")
                .contains("mirrorflow mirror resync " + name);
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).as("no slot made up").isZero();
        // Resume cannot go on from the checkpoint: the changes since are gone with the slot.
        MirrorTestBed.Run resume = bed.cli("mirror", "resume", name);
        assertThat(resume.exit()).isEqualTo(1);
        assertThat(resume.err()).contains("mirror " + name + " has FAILED after losing its replication slot (the"
                + " changes since its checkpoint are gone), so it cannot be resumed").contains("mirrorflow mirror"
                + " resync " + name);
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).as("no slot made up by the resume").isZero();

        // A resync loads the table, the row it missed included, and streams on.
        bed.ok("mirror", "resync", name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.source.execute("INSERT INTO " + table + " VALUES (2, 'after the resync')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).startsWith("2:").isEqualTo(checksum(bed.source, table));
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    private static Path noLoadSpec(String name, String table) throws Exception {
        return bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                initialLoad: false
                idleTimeout: 200ms
                """.formatted(name, table));
    }

    /** Polls the catalog every few milliseconds, on one open catalog, until the mirror is RUNNING. */
    private static void awaitRunningPolledFast(Catalog catalog, String name) throws InterruptedException {
        long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
        while (catalog.mirrors().findLatest(name).orElseThrow().phase() != MirrorPhase.RUNNING) {
            if (System.nanoTime() > deadline) {
                List<MirrorEvent> history = catalog.mirrors().history(bed.mirror(name).id(), 20);
                throw new AssertionError("timed out waiting for " + name + " RUNNING: " + history);
            }
            Thread.sleep(5);
        }
    }
}
