package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.WorkerRow;
import dev.mirrorflow.cli.MirrorflowCommand;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real `mirrorflow worker` process against the real Temporal dev server and PostgreSQL from
 * scripts/dev-env.sh answers `mirrorflow ping`, is recorded in the catalog under its persistent
 * instance id, and exits cleanly on SIGTERM.
 */
class WorkerPingIT {

    private static final String TEMPORAL = System.getProperty("mirrorflow.it.temporal.address", "127.0.0.1:7233");

    private static ScratchDatabase catalogDb;

    @BeforeAll
    static void catalog() {
        catalogDb = ScratchDatabase.create("mirrorflow_worker_it");
    }

    @AfterAll
    static void dropCatalog() {
        catalogDb.close();
    }

    @Test
    void shouldAnswerPingThroughTheDevServerAndStopOnSigterm(@TempDir Path stateDir) throws Exception {
        String queue = "it-" + UUID.randomUUID();
        List<String> connection = List.of(
                "--catalog-url", catalogDb.jdbcUrl(),
                "--temporal-address", TEMPORAL,
                "--task-queue", queue);

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                MirrorflowCommand.class.getName(), "worker", "--state-dir", stateDir.toString()));
        command.addAll(connection);
        Process worker = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = lines.readLine()) != null && !line.contains("running; stop with")) {
                seen.append(line).append('\n');
            }
            assertThat(line).as("worker start output:\n%s", seen).isNotNull();
            Thread drain = new Thread(() -> {
                try {
                    lines.lines().forEach(l -> {});
                } catch (java.io.UncheckedIOException closed) {
                    // The worker exited and its output closed: nothing more to drain.
                }
            });
            drain.setDaemon(true);
            drain.start();

            String instanceId = Files.readString(stateDir.resolve("instance-id")).strip();
            assertThat(UUID.fromString(instanceId).version()).isEqualTo(4);

            java.io.StringWriter out = new java.io.StringWriter();
            var cl = MirrorflowCommandAccess.commandLine(Map.of());
            cl.setOut(new java.io.PrintWriter(out, true));
            List<String> ping = new ArrayList<>(List.of("ping", "--timeout", "30s"));
            ping.addAll(connection);
            int exit = cl.execute(ping.toArray(String[]::new));

            assertThat(exit).isZero();
            assertThat(out.toString())
                    .contains("instance id " + instanceId)
                    .contains("mirrorflow@")
                    .contains("catalog schema version 001");

            try (var catalog = dev.mirrorflow.catalog.Catalog.open(catalogDb.catalogConfig())) {
                List<WorkerRow> workers = catalog.workers().list();
                assertThat(workers).extracting(w -> w.instanceId().toString()).containsExactly(instanceId);
                assertThat(workers.get(0).identity()).endsWith("/" + instanceId);
            }

            worker.destroy(); // SIGTERM
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exits after SIGTERM").isTrue();
            assertThat(worker.exitValue()).isEqualTo(143);
        } finally {
            worker.destroyForcibly();
        }
    }
}
