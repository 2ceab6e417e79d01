package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Temporal server killed with SIGKILL and started again, on a server of this test's own:
 * a streaming mirror goes on where it was, and a maintenance window opened before the restart
 * still ends after it, resuming exactly the mirror it paused. The worker in this JVM keeps
 * running through the outage, as a worker next to a restarted Temporal cluster does.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TemporalRestartIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path state;

    private static PrivateTemporal temporal;
    private static MirrorTestBed bed;

    @BeforeAll
    static void environment() throws Exception {
        temporal = PrivateTemporal.start(state);
        bed = MirrorTestBed.withWorker(state, temporal.address());
    }

    @AfterAll
    static void teardown() throws Exception {
        if (bed != null) {
            bed.close();
        }
        if (temporal != null) {
            temporal.close();
        }
    }

    @Test
    void shouldStreamOnAndEndAMaintenanceWindowAcrossATemporalRestart() throws Exception {
        String name = "trestart_" + ScratchDatabase.randomSuffix();
        String kept = "trestart_kept_" + ScratchDatabase.randomSuffix();
        for (String table : new String[] {name + "_t", kept + "_t"}) {
            bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                    "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        }
        for (String mirror : new String[] {name, kept}) {
            bed.peers(mirror);
            bed.ok("mirror", "create", "-f", bed.mirrorSpec(mirror, "tables:\n  - source: public." + mirror
                    + "_t\nidleTimeout: 200ms\n").toString());
            bed.awaitPhase(mirror, MirrorPhase.RUNNING, TIMEOUT);
        }
        // Paused by its user: maintenance leaves it paused.
        bed.ok("mirror", "pause", kept, "--reason", "held by its owner");
        bed.awaitPhase(kept, MirrorPhase.PAUSED, TIMEOUT);

        // Streaming across the restart.
        temporal.kill();
        bed.source.execute("UPDATE " + name + "_t SET v = 'while temporal was down' WHERE id <= 100");
        temporal.start();
        bed.source.execute("INSERT INTO " + name + "_t VALUES (5000, 'after the restart')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        assertThat(checksum(bed.destination, name + "_t")).isEqualTo(checksum(bed.source, name + "_t"));

        // A window opened before a restart ends after it.
        MirrorTestBed.Run start = bed.ok("maintenance", "start", "--reason", "temporal upgrade", "--timeout", "120s");
        assertThat(start.out()).contains("1 paused (" + name + ")");
        temporal.kill();
        bed.source.execute("DELETE FROM " + name + "_t WHERE id > 900");
        assertThat(bed.ok("maintenance", "status").out()).as("answered from the catalog while Temporal is down")
                .contains("temporal upgrade");
        MirrorTestBed.Run refused = bed.cli("mirror", "resume", name);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("mirrorflow is in maintenance since");
        temporal.start();
        // Sent past the CLI to the mirror its user paused: refused and recorded, it stays paused.
        MirrorTestBed.temporalAt(temporal.address(), "workflow", "signal", "--workflow-id", "mirror/" + kept,
                "--name", "resume");
        MirrorTestBed.await("the refusal in the kept mirror's history", TIMEOUT, () -> history(kept).stream()
                .anyMatch(e -> e.kind() == MirrorEvent.Kind.SIGNAL && e.reason() != null
                        && e.reason().startsWith("resume refused: mirrorflow is in maintenance ")));
        assertThat(bed.mirror(kept).phase()).isEqualTo(MirrorPhase.PAUSED);

        MirrorTestBed.Run end = bed.ok("maintenance", "end", "--timeout", "120s");
        assertThat(end.out()).contains("resumed " + name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, TIMEOUT);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        assertThat(checksum(bed.destination, name + "_t")).isEqualTo(checksum(bed.source, name + "_t"));
        assertThat(bed.mirror(kept).phase()).as("the mirror its user paused").isEqualTo(MirrorPhase.PAUSED);
        assertThat(bed.mirror(kept).phaseReason()).isEqualTo("held by its owner");
        assertThat(bed.ok("maintenance", "status").out()).startsWith("maintenance: off; the last window");
    }

    private static java.util.List<MirrorEvent> history(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.mirrors().history(bed.mirror(name).id(), 200);
        }
    }
}
