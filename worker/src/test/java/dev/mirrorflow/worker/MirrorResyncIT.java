package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.temporal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.model.MirrorStatus;
import dev.mirrorflow.workflow.MirrorWorkflow;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code mirror resync} of a running and of a FAILED mirror whose batch size updateConfig
 * changed: the workflow owns the resync, so the reloaded mirror streams with the changed batch
 * size, and the command returns once the mirror has taken the resync up.
 */
class MirrorResyncIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldKeepTheBatchSizeUpdateConfigSetWhenARunningMirrorIsResynced() throws Exception {
        String name = "rsrun_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        mirrorWithBatchSizeChanged(name, table);
        bed.destination.execute("DELETE FROM " + table + " WHERE id <= 100");

        String out = bed.ok("mirror", "resync", name).out();

        assertThat(out).contains("resync requested for mirror " + name + " and started");
        assertThat(resyncsRecorded(name)).as("taken up when the command returns").isEqualTo(1);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).as("reloaded").isEqualTo(checksum(bed.source, table));
        MirrorStatus status = status(name);
        assertThat(status.loadGeneration()).isEqualTo(2);
        assertThat(status.batchSize()).as("the batch size updateConfig set").isEqualTo(123);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldResyncAFailedMirrorFromItsLastStateKeepingTheBatchSizeUpdateConfigSet() throws Exception {
        String name = "rsfail_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        mirrorWithBatchSizeChanged(name, table);
        // The mirror fails: its slot is dropped while it is paused, and the source changes.
        bed.ok("mirror", "pause", name);
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        MirrorTestBed.await("the slot dropped", PHASE_TIMEOUT, () -> {
            try {
                bed.source.execute("SELECT pg_drop_replication_slot('mirrorflow_" + name + "')");
                return true;
            } catch (java.sql.SQLException e) {
                return false; // still active for a moment after the pause
            }
        });
        bed.source.execute("INSERT INTO " + table + " VALUES (100000, 'written while no slot kept it')");
        bed.ok("mirror", "resume", name);
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);

        String out = bed.ok("mirror", "resync", name).out();

        assertThat(out).contains("resync requested for mirror " + name + " and started");
        assertThat(resyncsRecorded(name)).as("taken up when the command returns").isEqualTo(1);
        assertThat(bed.mirror(name).phase()).isNotEqualTo(MirrorPhase.FAILED);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));
        MirrorStatus status = status(name);
        assertThat(status.loadGeneration()).isEqualTo(2);
        assertThat(status.batchSize()).as("the batch size updateConfig set, not the spec's 500").isEqualTo(123);
        assertThat(status.idleTimeoutMillis()).isEqualTo(300);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    /**
     * A mirror of one table created with batch size 500, caught up, whose batch size an
     * updateConfig signal (as scripts/signal-mirror.sh sends it) then set to 123.
     */
    private static void mirrorWithBatchSizeChanged(String name, String table) throws Exception {
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 2000) g");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                batchSize: 500
                idleTimeout: 200ms
                """.formatted(name, table)).toString());
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        temporal("workflow", "signal", "--workflow-id", MirrorWorkflow.workflowId(name), "--name", "updateConfig",
                "--input", "{\"batchSize\": 123, \"idleTimeoutMillis\": 300}");
        MirrorTestBed.await("the new batch size taken up", PHASE_TIMEOUT, () -> status(name).batchSize() == 123);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
    }

    /** The workflow's own view of the mirror (the catalog does not hold the batch size). */
    private static MirrorStatus status(String name) {
        try (TemporalConnection temporal = TemporalConnection.open(new TemporalConnection.Settings(
                bed.temporalAddress, MirrorTestBed.NAMESPACE, bed.queue), "mirror-resync-it")) {
            return new MirrorControl(temporal).status(name);
        }
    }

    private static long resyncsRecorded(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.mirrors().history(bed.mirror(name).id(), 1000).stream()
                    .filter(e -> e.kind() == MirrorEvent.Kind.PHASE && MirrorWorkflow.RESYNC_REASON.equals(e.reason()))
                    .count();
        }
    }
}
