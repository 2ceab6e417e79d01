package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
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
 * The product's promise under the worst crash: the worker process is killed with SIGKILL once
 * during the initial load, once while streaming (and the mirror paused while no worker runs),
 * and once during a spec edit's load, and restarted each time, while the source keeps being
 * written. The destination still ends equal to the source, with no row lost or
 * doubled. (A killed worker's activity moves on after its heartbeat timeout, which these mirrors set to
 * 15 s; FailoverIT covers the 8 s default.)
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES) // two heartbeat timeouts and 300k rows, on a loaded machine
class WorkerCrashIT {

    private static final Duration RECOVERY = Duration.ofSeconds(240);
    private static final int ROWS = 100_000;

    @TempDir
    static Path state;

    private static MirrorTestBed bed;
    private static Process worker;

    private static SecretScan.LogWatch logs;

    @BeforeAll
    static void environment() throws Exception {
        bed = new MirrorTestBed(state);
        logs = SecretScan.LogWatch.attach(bed.password);
    }

    @AfterAll
    static void teardown() throws Exception {
        stopWorker();
        bed.close();
        logs.detach();
    }

    private static void startWorker() throws Exception {
        stopWorker(); // another test's
        worker = bed.startWorkerProcess();
    }

    private static void killWorker() throws InterruptedException {
        worker.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to Temporal or PostgreSQL
        assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(worker.exitValue()).isEqualTo(137);
    }

    private static void stopWorker() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            worker.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldEndEqualWithoutDuplicatesWhenTheWorkerIsKilledDuringTheLoadAndDuringTheStream() throws Exception {
        String name = "crash_" + ScratchDatabase.randomSuffix();
        List<String> tables = List.of(name + "_a", name + "_b", name + "_c");
        for (String t : tables) {
            bed.source.execute("CREATE TABLE " + t + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                    "INSERT INTO " + t + " SELECT g, g, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
        }
        bed.peers(name);
        startWorker();
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source, tables, ROWS)) {
            bed.ok("mirror", "create", "--heartbeat-timeout", "15s", "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: public.%1$s_a
                      - source: public.%1$s_b
                      - source: public.%1$s_c
                    batchSize: 1000
                    idleTimeout: 200ms
                    snapshot:
                      rowsPerPartition: 5000
                      parallelism: 2
                    """.formatted(name)).toString());

            // Kill 1: in the middle of the initial load.
            MirrorTestBed.await("some partitions loaded", RECOVERY, () -> partitionsDone(name) >= 4);
            assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.SNAPSHOT);
            killWorker();
            startWorker();
            bed.awaitPhase(name, MirrorPhase.RUNNING, RECOVERY);

            // Kill 2: while streaming, after batches were applied; then a pause sent while no worker
            // runs. The stream cannot hear it, and the server ends it once its heartbeat is overdue:
            // the mirror must end up PAUSED, not FAILED, and stream on after a resume.
            long batches = batches(name);
            MirrorTestBed.await("batches applied", RECOVERY, () -> batches(name) > batches + 3);
            killWorker();
            bed.ok("mirror", "pause", name, "--reason", "worker gone");
            startWorker();
            MirrorTestBed.await("paused", RECOVERY, () -> {
                MirrorPhase phase = bed.mirror(name).phase();
                assertThat(phase).as("the mirror's phase while the killed stream times out")
                        .isNotEqualTo(MirrorPhase.FAILED);
                return phase == MirrorPhase.PAUSED;
            });
            bed.ok("mirror", "resume", name);
            long afterRestart = batches(name);
            MirrorTestBed.await("streaming again", RECOVERY, () -> batches(name) > afterRestart);

            // A graceful stop: SIGTERM finishes the current batch and exits, and a new worker
            // takes over at once (no heartbeat timeout to wait out).
            worker.destroy();
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exits after SIGTERM").isTrue();
            assertThat(worker.exitValue()).isZero();
            assertThat(java.nio.file.Files.readString(state.resolve("worker.log")))
                    .contains("stopped streaming at a batch boundary");
            startWorker();
            long afterStop = batches(name);
            MirrorTestBed.await("streaming after a graceful restart", Duration.ofSeconds(45),
                    () -> batches(name) > afterStop);
        }
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "240s");

        for (String t : tables) {
            assertThat(count(bed.destination, "SELECT count(*) - count(DISTINCT id) FROM " + t)).isZero();
            // Loaded without its key until its last partition was in, through the kill: it has it now.
            assertThat(count(bed.destination, "SELECT count(*) FROM pg_constraint WHERE contype = 'p'"
                    + " AND conrelid = 'public." + t + "'::regclass")).as("primary key of " + t).isEqualTo(1);
            assertThat(checksum(bed.destination, t)).as(t).isEqualTo(checksum(bed.source, t));
        }
        assertThat(bed.ok("mirror", "history", name).out()).contains("SNAPSHOT").contains("RUNNING");

        // The peer's password is in none of the four workers' logs, the CLI's, or any run of the
        // mirror's workflow, though the kills left activities retried and runs continued.
        assertThat(java.nio.file.Files.readString(state.resolve("worker.log")))
                .contains("streaming slot").doesNotContain(bed.password);
        assertThat(SecretScan.assertNoSecretInHistories(name, bed.password)).as("runs scanned").isGreaterThan(1);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "120s");
        logs.assertNoSecretLogged(null); // the CLI in this JVM; the workers logged to worker.log
    }

    /**
     * A spec edit adds a table with many partitions while the source writes to it; the worker
     * is killed in the middle of the edit's load. A new worker finishes the load from the
     * partitions still to copy, applies the edit, and streams: the added table ends equal to the
     * source, without duplicates.
     */
    @Test
    void shouldFinishASpecEditsLoadWhenTheWorkerIsKilledDuringIt() throws Exception {
        String name = "editcrash_" + ScratchDatabase.randomSuffix();
        String first = name + "_first";
        String added = name + "_added";
        for (String t : List.of(first, added)) {
            // The added table big enough for a few hundred partitions, so the kill meets its load.
            bed.source.execute("CREATE TABLE " + t + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                    "INSERT INTO " + t + " SELECT g, g, md5(g::text) FROM generate_series(1, "
                            + (t.equals(added) ? 3 * ROWS : ROWS) + ") g");
        }
        bed.peers(name);
        startWorker();
        bed.ok("mirror", "create", "--heartbeat-timeout", "15s", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%1$s
                idleTimeout: 200ms
                snapshot:
                  rowsPerPartition: 1000
                  parallelism: 1
                """.formatted(first)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, RECOVERY);
        int loadedBefore = partitionsDone(name);
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source,
                List.of(first, added), ROWS)) {
            MirrorTestBed.Run edit = bed.ok("mirror", "edit", name, "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: public.%1$s
                      - source: public.%2$s
                    idleTimeout: 200ms
                    snapshot:
                      rowsPerPartition: 1000
                      parallelism: 1
                    """.formatted(first, added)).toString(), "--timeout", "1s");
            assertThat(edit.out()).contains("edit requested");
            MirrorTestBed.await("some of the added table's partitions loaded", RECOVERY,
                    () -> partitionsDone(name) >= loadedBefore + 2);
            assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.SNAPSHOT);
            killWorker();
            startWorker();
            MirrorTestBed.await("the edit applied", RECOVERY, () -> pendingEdit(name).isEmpty());
            bed.awaitPhase(name, MirrorPhase.RUNNING, RECOVERY);
        }
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "240s");
        for (String t : List.of(first, added)) {
            assertThat(count(bed.destination, "SELECT count(*) - count(DISTINCT id) FROM " + t)).isZero();
            // Loaded without its key until its last partition was in, through the kill: it has it now.
            assertThat(count(bed.destination, "SELECT count(*) FROM pg_constraint WHERE contype = 'p'"
                    + " AND conrelid = 'public." + t + "'::regclass")).as("primary key of " + t).isEqualTo(1);
            assertThat(checksum(bed.destination, t)).as(t).isEqualTo(checksum(bed.source, t));
        }
        stopWorker();
    }

    private static java.util.Optional<String> pendingEdit(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.mirrors().pendingSpec(bed.mirror(name).id());
        }
    }

    private static int partitionsDone(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            MirrorRow m = catalog.mirrors().findLatest(name).orElse(null);
            return m == null ? 0 : catalog.snapshotPartitions().progress(m.id(), 1).partitionsDone();
        }
    }

    private static long batches(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.cdcBatches().totals(bed.mirror(name).id()).batches();
        }
    }
}
