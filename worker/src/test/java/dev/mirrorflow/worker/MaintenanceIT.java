package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SnapshotPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance mode end to end, on the real Temporal dev server and PostgreSQL: one mirror
 * streaming under writes, one in a long initial load, one the user paused before. `start`
 * pauses the first two (the load at a partition boundary, long before it completes) and leaves
 * the third alone; during the window nothing new starts; `end` resumes exactly the two, the
 * load finishes, and both end equal to their source.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MaintenanceIT {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);
    private static final int LOAD_ROWS = 300_000;

    @TempDir
    static Path state;

    private static MirrorTestBed bed;

    @BeforeAll
    static void environment() throws Exception {
        MaintenanceWindows.endLeftoverWindow();
        bed = MirrorTestBed.withWorker(state);
    }

    @AfterAll
    static void teardown() throws Exception {
        if (bed != null) {
            bed.cli("maintenance", "end", "--timeout", "60s");
            bed.close();
        }
        MaintenanceWindows.endLeftoverWindow();
    }

    @Test
    void shouldPauseActiveMirrorsRefuseChangesAndResumeExactlyThoseAfterwards() throws Exception {
        String suffix = ScratchDatabase.randomSuffix();
        String streaming = "mt_a_" + suffix;
        String loading = "mt_b_" + suffix;
        String userPaused = "mt_c_" + suffix;
        String droppedMeanwhile = "mt_e_" + suffix;
        bed.source.execute(
                "CREATE TABLE " + streaming + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO " + streaming + " SELECT g, g, md5(g::text) FROM generate_series(1, 2000) g",
                "CREATE TABLE " + loading + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO " + loading + " SELECT g, g, md5(g::text) FROM generate_series(1, " + LOAD_ROWS + ") g",
                "CREATE TABLE " + userPaused + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO " + userPaused + " SELECT g, g, 'c' FROM generate_series(1, 100) g",
                "CREATE TABLE " + extraName(suffix) + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "CREATE TABLE " + droppedMeanwhile + " (id bigint PRIMARY KEY, v int NOT NULL, note text)");
        for (String name : List.of(streaming, loading, userPaused, droppedMeanwhile)) {
            bed.peers(name);
        }

        // C: paused by its user before maintenance.
        create(userPaused, "batchSize: 100\nidleTimeout: 200ms\n");
        bed.awaitPhase(userPaused, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "pause", userPaused, "--reason", "held by its owner");
        bed.awaitPhase(userPaused, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        int userPausedEvents = history(userPaused).size();
        // E: streaming, and dropped while the window is open.
        create(droppedMeanwhile, "batchSize: 100\nidleTimeout: 200ms\n");
        bed.awaitPhase(droppedMeanwhile, MirrorPhase.RUNNING, PHASE_TIMEOUT);

        // A: streaming under continuous writes.
        create(streaming, "batchSize: 50\nidleTimeout: 200ms\n");
        bed.awaitPhase(streaming, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source,
                List.of(streaming), 2000)) {
            MirrorTestBed.await("A streams batches", PHASE_TIMEOUT, () -> batches(streaming) > 2);

            // B: in an initial load of many partitions, one at a time.
            create(loading, "snapshot:\n  rowsPerPartition: 1000\n  parallelism: 1\n");
            MirrorTestBed.await("B loaded some partitions", PHASE_TIMEOUT, () -> load(loading).partitionsDone() >= 3);

            MirrorTestBed.Run start = bed.ok("maintenance", "start", "--reason", "upgrade to 1.4", "--timeout", "120s");
            long runId = openRunId();
            String ours = "paused for maintenance " + runId;
            assertThat(start.out()).contains("maintenance " + runId + " is on since")
                    .contains("3 paused (" + streaming + ", " + loading + ", " + droppedMeanwhile + ")");
            assertThat(bed.mirror(streaming).phase()).isEqualTo(MirrorPhase.PAUSED);
            assertThat(bed.mirror(streaming).phaseReason()).isEqualTo(ours);
            assertThat(bed.mirror(loading).phase()).isEqualTo(MirrorPhase.PAUSED);
            assertThat(bed.mirror(loading).phaseReason()).isEqualTo(ours);
            SnapshotPartition.Progress pausedLoad = load(loading);
            assertThat(pausedLoad.partitionsDone()).as("B paused at a partition boundary, before its load completed")
                    .isLessThan(pausedLoad.partitionsTotal());
            assertThat(bed.mirror(userPaused).phase()).isEqualTo(MirrorPhase.PAUSED);
            assertThat(bed.mirror(userPaused).phaseReason()).isEqualTo("held by its owner");
            assertThat(history(userPaused)).as("C untouched").hasSize(userPausedEvents);

            // Nothing new starts, nothing is resumed: one line, exit 1, nothing written.
            String refusal = "mirrorflow: mirrorflow is in maintenance since ";
            String during = " (upgrade to 1.4); run mirrorflow maintenance end first";
            String extra = "mt_d_" + suffix;
            bed.peers(extra);
            MirrorTestBed.Run create = bed.cli("mirror", "create", "-f", bed.mirrorSpec(extra,
                    "tables:\n  - source: public." + extra + "\n").toString());
            assertThat(create.exit()).isEqualTo(1);
            assertThat(create.err().lines().toList()).hasSize(1);
            assertThat(create.err()).startsWith(refusal).contains(during);
            try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
                assertThat(catalog.mirrors().findLatest(extra)).as("no mirror written").isEmpty();
            }
            for (String[] command : List.of(new String[] {"resume", streaming}, new String[] {"resume", userPaused},
                    new String[] {"resync", loading})) {
                MirrorTestBed.Run refused = bed.cli("mirror", command[0], command[1]);
                assertThat(refused.exit()).as(String.join(" ", command)).isEqualTo(1);
                assertThat(refused.err().lines().toList()).hasSize(1);
                assertThat(refused.err()).startsWith(refusal).contains(during);
            }

            // A resume sent past the CLI, straight to the workflow, is refused and recorded.
            MirrorTestBed.temporal("workflow", "signal", "--workflow-id", "mirror/" + streaming, "--name", "resume");
            MirrorTestBed.await("the refusal in A's history", PHASE_TIMEOUT, () -> history(streaming).stream()
                    .anyMatch(e -> e.kind() == MirrorEvent.Kind.SIGNAL && e.reason() != null
                            && e.reason().startsWith("resume refused: the mirror is " + ours)));

            // The source goes on being written while the mirror is paused.
            long appliedWhilePaused = batches(streaming);
            long sourceRows = count(bed.source, "SELECT count(*) FROM " + streaming + " WHERE note = 'new'");
            Thread.sleep(2000);
            assertThat(count(bed.source, "SELECT count(*) FROM " + streaming + " WHERE note = 'new'"))
                    .isGreaterThan(sourceRows);
            assertThat(batches(streaming)).as("A applies nothing while paused").isEqualTo(appliedWhilePaused);
            assertThat(bed.mirror(streaming).phase()).isEqualTo(MirrorPhase.PAUSED);

            String status = bed.ok("maintenance", "status").out();
            assertThat(status).contains("maintenance " + runId + ": on since").contains("(upgrade to 1.4), active")
                    .contains("started by ");
            assertThat(status.lines().filter(l -> l.contains(streaming) || l.contains(loading)).toList())
                    .hasSize(2).allMatch(l -> l.contains(" paused "));
            assertThat(status).contains(droppedMeanwhile);
            assertThat(status).doesNotContain(userPaused);
            assertThat(bed.ok("maintenance", "status", "--json").out()).contains("\"on\" : true")
                    .contains("\"state\" : \"paused\"");

            // Dropping a mirror is allowed during the window; end then leaves it out, saying so.
            bed.ok("mirror", "drop", droppedMeanwhile, "--drop-destination", "--timeout", "120s");

            // A second start attaches to the open window.
            MirrorTestBed.Run again = bed.ok("maintenance", "start");
            assertThat(again.out()).contains("a maintenance window is open already (" + runId)
                    .contains("maintenance " + runId + " is on since");
            assertThat(count(bed.catalogDb, "SELECT count(*) FROM mirrorflow.maintenance_runs")).isEqualTo(1);

            MirrorTestBed.Run end = bed.ok("maintenance", "end", "--timeout", "120s");
            assertThat(end.out().strip()).isEqualTo("maintenance " + runId + " ended: resumed " + streaming + ", "
                    + loading + "; not resumed: " + droppedMeanwhile + " (dropped during maintenance)");
            assertThat(bed.ok("maintenance", "end").out().strip()).isEqualTo("no maintenance window is open; nothing to end");
            assertThat(bed.ok("maintenance", "status").out()).startsWith("maintenance: off; the last window, " + runId);

            bed.awaitPhase(loading, MirrorPhase.RUNNING, Duration.ofMinutes(4));
            MirrorTestBed.await("A streams again", PHASE_TIMEOUT, () -> batches(streaming) > appliedWhilePaused);
        }
        bed.ok("mirror", "wait", streaming, "--caught-up", "--timeout", "120s");
        bed.ok("mirror", "wait", loading, "--caught-up", "--timeout", "120s");
        assertThat(checksum(bed.destination, streaming)).isEqualTo(checksum(bed.source, streaming));
        assertThat(checksum(bed.destination, loading)).isEqualTo(checksum(bed.source, loading));
        assertThat(bed.mirror(userPaused).phase()).as("C stays paused").isEqualTo(MirrorPhase.PAUSED);
        assertThat(bed.mirror(userPaused).phaseReason()).isEqualTo("held by its owner");

        long runId = lastRunId();
        for (String name : List.of(streaming, loading)) {
            assertThat(bed.ok("mirror", "history", name).out()).as(name)
                    .contains("PAUSED  paused for maintenance " + runId)
                    .contains("resumed after maintenance " + runId);
        }
        // The window's refusals are gone with it.
        create(extraName(suffix), "batchSize: 100\nidleTimeout: 200ms\n");
        for (String name : List.of(streaming, loading, userPaused, extraName(suffix))) {
            bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "120s");
        }
    }

    @Test
    void shouldEndAWindowWhoseWorkflowIsGoneAndNeverLeaveTheFlagSet() throws Exception {
        assertThat(bed.ok("maintenance", "start", "--reason", "short one", "--timeout", "60s").out())
                .contains("no mirror paused");
        long runId = openRunId();
        // Someone terminates the window's workflow: the catalog still holds the window open.
        MirrorTestBed.temporal("workflow", "terminate", "--workflow-id", "maintenance", "--reason", "by hand");
        assertThat(bed.ok("maintenance", "status").out()).startsWith("maintenance " + runId + ": on since");
        MirrorTestBed.Run refused = bed.cli("mirror", "create", "-f",
                bed.mirrorSpec("mt_none", "tables:\n  - source: public.mt_none\n").toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("mirrorflow is in maintenance since").contains("(short one)");

        // end takes the orphaned window over and closes it.
        assertThat(bed.ok("maintenance", "end", "--timeout", "60s").out().strip())
                .isEqualTo("maintenance " + runId + " ended: no mirror resumed");
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.settings().isMaintenanceOn()).isFalse();
            assertThat(catalog.maintenance().find(runId).orElseThrow().isOpen()).isFalse();
        }
        assertThat(bed.ok("maintenance", "end").out().strip()).isEqualTo("no maintenance window is open; nothing to end");
    }

    private static String extraName(String suffix) {
        return "mt_d_" + suffix;
    }

    private static void create(String name, String settings) throws Exception {
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, "tables:\n  - source: public." + name + "\n"
                + settings).toString());
    }

    private static List<MirrorEvent> history(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.mirrors().history(bed.mirror(name).id(), 10_000);
        }
    }

    private static long batches(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.cdcBatches().totals(bed.mirror(name).id()).batches();
        }
    }

    private static SnapshotPartition.Progress load(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            MirrorRow m = catalog.mirrors().findLatest(name).orElse(null);
            return m == null ? new SnapshotPartition.Progress(0, 0, 0, 0) : catalog.snapshotPartitions().progress(m.id(), 1);
        }
    }

    private static long openRunId() {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.maintenance().openRun().orElseThrow().id();
        }
    }

    private static long lastRunId() {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.maintenance().latest().orElseThrow().id();
        }
    }
}
