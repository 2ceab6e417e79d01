package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MaintenanceRun;
import dev.mirrorflow.cli.MirrorflowCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The maintenance commands where no worker or no Temporal answers: status reads the catalog
 * only, start and end say in one line what is wrong, and nothing is left half-open.
 */
class MaintenanceCommandsIT {

    /** Nothing listens here: Temporal is "down". */
    private static final String NO_TEMPORAL = "127.0.0.1:1";

    @TempDir
    static Path state;

    private static MirrorTestBed bed;

    @BeforeAll
    static void environment() throws Exception {
        MaintenanceWindows.endLeftoverWindow();
        bed = new MirrorTestBed(state);
    }

    @AfterAll
    static void teardown() throws Exception {
        if (bed != null) {
            bed.close();
        }
        MaintenanceWindows.endLeftoverWindow();
    }

    /** The CLI with Temporal at {@code temporal} (the bed's helper always gives the dev server). */
    private static MirrorTestBed.Run cli(String temporal, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--catalog-url", bed.catalogDb.jdbcUrl(), "--temporal-address", temporal,
                "--temporal-namespace", MirrorTestBed.NAMESPACE, "--task-queue", bed.queue));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MirrorflowCommand.commandLine(Map.of("MIRRORFLOW_STATE_DIR", state.toString())::get);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new MirrorTestBed.Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void shouldAnswerStatusFromTheCatalogWhileTemporalIsDown() throws Exception {
        long windowsBefore;
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            windowsBefore = catalog.maintenance().latest().map(MaintenanceRun::id).orElse(0L);
        }
        MirrorTestBed.Run none = cli(NO_TEMPORAL, "maintenance", "status");
        assertThat(none.exit()).as(none.err()).isZero();
        assertThat(none.out()).startsWith(windowsBefore == 0 ? "maintenance: off (no window was ever opened)"
                : "maintenance: off; the last window, " + windowsBefore);

        // A start that cannot reach Temporal opens nothing.
        MirrorTestBed.Run start = cli(NO_TEMPORAL, "maintenance", "start", "--reason", "upgrade");
        assertThat(start.exit()).isEqualTo(1);
        assertThat(start.err().lines().toList()).hasSize(1);
        assertThat(start.err()).startsWith("mirrorflow: ").contains("127.0.0.1:1");
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.maintenance().latest().map(MaintenanceRun::id).orElse(0L)).isEqualTo(windowsBefore);
            assertThat(catalog.settings().isMaintenanceOn()).isFalse();

            // A window the workflow opened, then Temporal went away: status still tells it.
            MaintenanceRun run = catalog.maintenance().openWithFlag("maintenance", "db upgrade", "ops@host");
            catalog.maintenance().setState(run.id(), MaintenanceRun.State.ACTIVE);
            MirrorTestBed.Run open = cli(NO_TEMPORAL, "maintenance", "status");
            assertThat(open.exit()).as(open.err()).isZero();
            assertThat(open.out()).startsWith("maintenance " + run.id() + ": on since " + run.startedAt()
                    + " (db upgrade), active, started by ops@host");
            MirrorTestBed.Run json = cli(NO_TEMPORAL, "maintenance", "status", "--json");
            assertThat(json.out()).contains("\"on\" : true").contains("\"reason\" : \"db upgrade\"")
                    .contains("\"startedBy\" : \"ops@host\"");
            catalog.maintenance().end(run.id());
        }
    }

    @Test
    void shouldNameTheMirrorsStillPausingAndWhereTheyAreAtTheTimeout() throws Exception {
        String name = "mt_slow_" + dev.mirrorflow.catalog.ScratchDatabase.randomSuffix();
        bed.peers(name);
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            // A mirror 17 partitions into a load of 40 that a window is waiting for; no worker runs.
            dev.mirrorflow.catalog.MirrorRow mirror = catalog.mirrors().create(new dev.mirrorflow.catalog.NewMirror(
                    name, name + "_src", name + "_dst", "{\"name\":\"" + name + "\"}", "mirror/" + name));
            catalog.mirrors().recordPhase(mirror.id(), dev.mirrorflow.catalog.MirrorPhase.SNAPSHOT, "initial load",
                    null, "phase-1");
            List<dev.mirrorflow.catalog.SnapshotPartition.Plan> plans = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                plans.add(new dev.mirrorflow.catalog.SnapshotPartition.Plan("public.t", i, "(" + i * 10 + ",0)",
                        "(" + (i + 1) * 10 + ",0)"));
            }
            catalog.snapshotPartitions().plan(mirror.id(), 1, plans);
            for (int i = 0; i < 17; i++) {
                catalog.snapshotPartitions().markDone(mirror.id(), 1, "public.t", i, 10, 100);
            }
            MaintenanceRun run = catalog.maintenance().openWithFlag("maintenance", "slow load", "ops@host");
            catalog.maintenance().recordPausing(run.id(), List.of(mirror.id()));
            try {
                MirrorTestBed.Run start = cli(MirrorTestBed.TEMPORAL, "maintenance", "start", "--timeout", "2s");
                assertThat(start.exit()).isEqualTo(1);
                // The window's workflow is gone (none runs), so start takes the open window over.
                assertThat(start.out().lines().toList()).containsExactly(
                        "0/1 paused, waiting for " + name + " (loading, partition 17/40)",
                        "maintenance " + run.id() + ": not every mirror paused within 2s; 0/1 paused, waiting for "
                                + name + " (loading, partition 17/40); the window goes on pausing them"
                                + " (mirrorflow maintenance status)");
            } finally {
                catalog.maintenance().end(run.id());
                MaintenanceWindows.endLeftoverWindow();
            }
        }
    }

    @Test
    void shouldEndNothingWithoutAWindowAndTimeOutAStartNoWorkerTakesUp() throws Exception {
        MirrorTestBed.Run end = cli(MirrorTestBed.TEMPORAL, "maintenance", "end");
        assertThat(end.exit()).as(end.err()).isZero();
        assertThat(end.out().strip()).isEqualTo("no maintenance window is open; nothing to end");

        // No worker polls the bed's task queue.
        MirrorTestBed.Run start = cli(MirrorTestBed.TEMPORAL, "maintenance", "start", "--timeout", "2s");
        assertThat(start.exit()).isEqualTo(1);
        assertThat(start.out().strip()).isEqualTo("maintenance: no worker has opened the window within 2s; it opens"
                + " when a worker runs (mirrorflow ping checks for one)");
        MaintenanceWindows.endLeftoverWindow();
    }
}
