package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
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
 * A maintenance window survives its worker: the worker process is killed with SIGKILL while
 * `maintenance start` is pausing a streaming and a loading mirror, and a new worker completes
 * the window: both end paused once (no mirror left running, none paused twice, none failed by
 * the activities the kill left behind). Killed again as `end` begins, the next worker closes the
 * window: both resumed once, the flag cleared, and both end equal to the source.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // heartbeat timeouts of the killed worker's activities
class MaintenanceCrashIT {

    private static final Duration RECOVERY = Duration.ofSeconds(300);

    @TempDir
    static Path state;

    private static MirrorTestBed bed;
    private static Process worker;

    @BeforeAll
    static void environment() throws Exception {
        MaintenanceWindows.endLeftoverWindow();
        bed = new MirrorTestBed(state);
    }

    @AfterAll
    static void teardown() throws Exception {
        if (bed != null) {
            bed.cli("maintenance", "end", "--timeout", "60s");
        }
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            worker.waitFor(60, TimeUnit.SECONDS);
        }
        if (bed != null) {
            bed.close();
        }
        MaintenanceWindows.endLeftoverWindow();
    }

    private static void startWorker() throws Exception {
        worker = bed.startWorkerProcess();
    }

    @Test
    void shouldCompleteTheWindowWithANewWorkerWhenTheWorkerIsKilledDuringStart() throws Exception {
        String suffix = ScratchDatabase.randomSuffix();
        String streaming = "mk_a_" + suffix;
        String loading = "mk_b_" + suffix;
        bed.source.execute(
                "CREATE TABLE " + streaming + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO " + streaming + " SELECT g, g, md5(g::text) FROM generate_series(1, 2000) g",
                "CREATE TABLE " + loading + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO " + loading + " SELECT g, g, md5(g::text) FROM generate_series(1, 400000) g");
        bed.peers(streaming);
        bed.peers(loading);
        startWorker();
        bed.ok("mirror", "create", "--heartbeat-timeout", "15s", "-f", bed.mirrorSpec(streaming, "tables:\n  - source: public." + streaming
                + "\nbatchSize: 50\nidleTimeout: 200ms\n").toString());
        bed.awaitPhase(streaming, MirrorPhase.RUNNING, RECOVERY);
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source,
                List.of(streaming), 2000)) {
            bed.ok("mirror", "create", "--heartbeat-timeout", "15s", "-f", bed.mirrorSpec(loading, "tables:\n  - source: public." + loading
                    + "\nsnapshot:\n  rowsPerPartition: 1000\n  parallelism: 1\n").toString());
            bed.awaitPhase(loading, MirrorPhase.SNAPSHOT, RECOVERY);

            // The window is open and its mirrors recorded; the worker dies before it is done.
            MirrorTestBed.Run firstStart = bed.cli("maintenance", "start", "--reason", "crash test", "--timeout", "1ms");
            MirrorTestBed.await("the window recorded its mirrors", RECOVERY, () -> recorded() == 2);
            killWorker();
            assertThat(firstStart.exit()).as(firstStart.out() + firstStart.err()).isEqualTo(1);

            startWorker();
            MirrorTestBed.Run attached = bed.ok("maintenance", "start", "--timeout", RECOVERY.toSeconds() + "s");
            long runId = runId();
            assertThat(attached.out()).contains("a maintenance window is open already (" + runId)
                    .contains("2 paused (" + streaming + ", " + loading + ")");
            String ours = "paused for maintenance " + runId;
            for (String name : List.of(streaming, loading)) {
                assertThat(bed.mirror(name).phase()).as(name).isEqualTo(MirrorPhase.PAUSED);
                assertThat(bed.mirror(name).phaseReason()).as(name).isEqualTo(ours);
                assertThat(pausedEvents(name, ours)).as(name + " paused once").isEqualTo(1);
            }

            // The worker dies again as end begins; the next one closes the window.
            MirrorTestBed.Run firstEnd = bed.cli("maintenance", "end", "--timeout", "1ms");
            assertThat(firstEnd.exit()).as(firstEnd.out() + firstEnd.err()).isEqualTo(1);
            killWorker();
            startWorker();
            MirrorTestBed.Run end = bed.ok("maintenance", "end", "--timeout", RECOVERY.toSeconds() + "s");
            assertThat(end.out()).as("the window ended by the first end or by this one")
                    .containsAnyOf("maintenance " + runId + " ended: resumed " + streaming + ", " + loading,
                            "no maintenance window is open; nothing to end");
            try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
                assertThat(catalog.maintenance().find(runId).orElseThrow().isOpen()).isFalse();
                assertThat(catalog.settings().isMaintenanceOn()).as("the flag is cleared").isFalse();
                assertThat(catalog.maintenance().mirrors(runId))
                        .allMatch(m -> m.state() == dev.mirrorflow.catalog.MaintenanceMirror.State.RESUMED);
            }
            for (String name : List.of(streaming, loading)) {
                assertThat(events(name, MirrorEvent.Kind.INFO, "resumed after maintenance " + runId))
                        .as(name + " resumed once").isEqualTo(1);
            }
            bed.awaitPhase(loading, MirrorPhase.RUNNING, RECOVERY);
        }
        bed.ok("mirror", "wait", streaming, "--caught-up", "--timeout", "240s");
        bed.ok("mirror", "wait", loading, "--caught-up", "--timeout", "240s");
        assertThat(checksum(bed.destination, streaming)).isEqualTo(checksum(bed.source, streaming));
        assertThat(checksum(bed.destination, loading)).isEqualTo(checksum(bed.source, loading));
        for (String name : List.of(streaming, loading)) {
            bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "120s");
        }
    }

    private static void killWorker() throws InterruptedException {
        worker.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to Temporal or PostgreSQL
        assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(worker.exitValue()).isEqualTo(137);
    }

    private static long events(String name, MirrorEvent.Kind kind, String reason) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.mirrors().history(bed.mirror(name).id(), 10_000).stream()
                    .filter(e -> e.kind() == kind && reason.equals(e.reason()))
                    .count();
        }
    }

    private static int recorded() {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.maintenance().openRun().map(r -> catalog.maintenance().mirrors(r.id()).size()).orElse(0);
        }
    }

    private static long runId() {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.maintenance().openRun().orElseThrow().id();
        }
    }

    private static long pausedEvents(String name, String reason) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.mirrors().history(bed.mirror(name).id(), 10_000).stream()
                    .filter(e -> e.kind() == MirrorEvent.Kind.PHASE && e.phase() == MirrorPhase.PAUSED
                            && reason.equals(e.reason()))
                    .count();
        }
    }
}
