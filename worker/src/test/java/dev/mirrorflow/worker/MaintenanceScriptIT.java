package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MaintenanceMirror;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/maintenance.sh drives the same window as the CLI, over the real temporal CLI. */
class MaintenanceScriptIT {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);

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

    private static MirrorTestBed.Run script(String... args) throws Exception {
        Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        List<String> command = new java.util.ArrayList<>(List.of("bash", root.resolve("scripts/maintenance.sh").toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(state, "script", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        MirrorflowProcess.isolate(builder.environment(), state);
        builder.environment().put("MIRRORFLOW_TEMPORAL_ADDRESS", MirrorTestBed.TEMPORAL);
        builder.environment().put("MIRRORFLOW_TASK_QUEUE", bed.queue);
        builder.environment().put("MAINTENANCE_TIMEOUT", "120");
        Process p = builder.start();
        try {
            assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("maintenance.sh %s finished", String.join(" ", args)).isTrue();
            return new MirrorTestBed.Run(p.exitValue(), Files.readString(output), "");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void shouldOpenAndEndAWindowThroughTheTemporalCli() throws Exception {
        String name = "ms_" + ScratchDatabase.randomSuffix();
        bed.source.execute("CREATE TABLE " + name + " (id bigint PRIMARY KEY, v int NOT NULL)",
                "INSERT INTO " + name + " SELECT g, g FROM generate_series(1, 100) g");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, "tables:\n  - source: public." + name
                + "\nbatchSize: 100\nidleTimeout: 200ms\n").toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);

        MirrorTestBed.Run start = script("start", "scripted \"upgrade\"");
        assertThat(start.exit()).as(start.out()).isZero();
        assertThat(start.out()).contains("every recorded mirror is paused");
        long runId;
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            var run = catalog.maintenance().openRun().orElseThrow();
            runId = run.id();
            assertThat(run.reason()).isEqualTo("scripted \"upgrade\"");
            assertThat(run.startedBy()).endsWith(" via maintenance.sh");
            assertThat(catalog.maintenance().mirrors(runId)).singleElement()
                    .satisfies(m -> assertThat(m.state()).isEqualTo(MaintenanceMirror.State.PAUSED));
        }
        assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.PAUSED);
        assertThat(bed.mirror(name).phaseReason()).isEqualTo("paused for maintenance " + runId);
        assertThat(script("status").out()).contains("\"stage\"").contains("on");

        MirrorTestBed.Run end = script("end");
        assertThat(end.exit()).as(end.out()).isZero();
        assertThat(end.out()).contains("maintenance window ended");
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        assertThat(bed.ok("maintenance", "status").out()).startsWith("maintenance: off; the last window, " + runId);
        assertThat(script("end").out()).contains("no maintenance workflow is running; nothing to end");
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "120s");
    }
}
