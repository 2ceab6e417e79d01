package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.WorkerRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
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

    /**
     * Reads the process's output on a thread of its own until a line contains {@code marker}, and
     * keeps draining it afterwards; fails with what it printed when the line does not come within
     * {@code timeout} (a read from a process cannot be interrupted, so it must not block the test).
     */
    private static String awaitOutputLine(Process process, String marker, Duration timeout) throws InterruptedException {
        StringBuffer seen = new StringBuffer();
        CountDownLatch found = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (found.getCount() > 0) {
                        seen.append(line).append('\n');
                    }
                    if (line.contains(marker)) {
                        found.countDown();
                    }
                }
            } catch (IOException closed) {
                // The process exited and its output closed: nothing more to read.
            }
        }, "worker-output");
        reader.setDaemon(true);
        reader.start();
        assertThat(found.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("worker printed '%s' within %s; its output:%n%s", marker, timeout, seen).isTrue();
        return seen.toString();
    }

    @Test
    void shouldAnswerPingThroughTheDevServerAndStopOnSigterm(@TempDir Path stateDir) throws Exception {
        String queue = "it-" + UUID.randomUUID();
        List<String> connection = List.of(
                "--catalog-url", catalogDb.jdbcUrl(),
                "--temporal-address", TEMPORAL,
                "--temporal-namespace", MirrorTestBed.NAMESPACE,
                "--task-queue", queue);

        List<String> command = new ArrayList<>(List.of("worker", "--state-dir", stateDir.toString(), "--http-port", "0"));
        command.addAll(connection);
        Process worker = MirrorflowProcess.builder(stateDir, command.toArray(String[]::new))
                .redirectErrorStream(true).start();
        try {
            String started = awaitOutputLine(worker, "running; stop with", Duration.ofSeconds(120));
            java.util.regex.Matcher probes = java.util.regex.Pattern.compile("HTTP probes on http://127\\.0\\.0\\.1:(\\d+)/healthz")
                    .matcher(started);
            assertThat(probes.find()).as("the worker says where its probes are:%n%s", started).isTrue();
            int httpPort = Integer.parseInt(probes.group(1));

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
                    .contains("catalog schema version " + newestMigration());

            try (var catalog = dev.mirrorflow.catalog.Catalog.open(catalogDb.catalogConfig())) {
                List<WorkerRow> workers = catalog.workers().list();
                assertThat(workers).extracting(w -> w.instanceId().toString()).containsExactly(instanceId);
                assertThat(workers.get(0).identity()).endsWith("/" + instanceId);
            }

            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.util.function.Function<String, java.net.http.HttpResponse<String>> probe = path -> {
                try {
                    return http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(5)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            assertThat(probe.apply("/healthz").statusCode()).isEqualTo(200);
            MirrorTestBed.await("the worker ready", Duration.ofSeconds(30), () -> probe.apply("/readyz").statusCode() == 200);
            java.net.http.HttpResponse<String> metrics = probe.apply("/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            // A worker that ran no mirror yet has recorded nothing (MirrorTelemetryIT reads a mirror's series).
            assertThat(metrics.body()).doesNotContain("mirrorflow_cdc_rows");

            worker.destroy(); // SIGTERM
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exits after SIGTERM").isTrue();
            assertThat(worker.exitValue()).isZero();
        } finally {
            worker.destroyForcibly();
        }
    }

    @Test
    void shouldExitInOneLineOrWaitForACatalogThatIsNotThereYet(@TempDir Path stateDir) throws Exception {
        int pgPort = Integer.parseInt(catalogDb.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1"));
        int nobody;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            nobody = free.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("worker", "--state-dir", stateDir.toString(),
                "--catalog-url", catalogDb.jdbcUrl().replace(":" + pgPort + "/", ":" + nobody + "/"),
                "--temporal-address", TEMPORAL, "--task-queue", "it-" + UUID.randomUUID()));

        Process failing = MirrorflowProcess.builder(stateDir, command.toArray(String[]::new)).redirectErrorStream(true)
                .start();
        try {
            assertThat(failing.waitFor(120, TimeUnit.SECONDS)).as("a worker without its catalog exits").isTrue();
            String said = new String(failing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(failing.exitValue()).isEqualTo(1);
            assertThat(said.lines().filter(l -> l.startsWith("mirrorflow: ")).toList()).singleElement()
                    .satisfies(line -> assertThat(line).startsWith("mirrorflow: cannot connect to the catalog at"));
            assertThat(said).doesNotContain("\tat ");
        } finally {
            failing.destroyForcibly();
        }

        command.add("--wait-for-dependencies");
        Process waiting = MirrorflowProcess.builder(stateDir, command.toArray(String[]::new)).redirectErrorStream(true)
                .start();
        StringBuffer said = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(waiting.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    said.append(line).append('\n');
                }
            } catch (IOException closed) {
                // The process exited.
            }
        }, "waiting-worker-output");
        reader.setDaemon(true);
        reader.start();
        try {
            MirrorTestBed.await("the worker says it waits for the catalog", Duration.ofSeconds(120),
                    () -> said.indexOf("mirrorflow worker: waiting for the catalog (cannot connect to the catalog at") >= 0);
            assertThat(waiting.isAlive()).isTrue();
            assertThat(said.toString()).contains("next try in 1 s");
            // The catalog appears on the port the worker tries.
            try (TcpProxy catalogBack = new TcpProxy("127.0.0.1", pgPort, nobody)) {
                MirrorTestBed.await("the worker running", Duration.ofSeconds(120),
                        () -> said.indexOf("running; stop with") >= 0);
                waiting.destroy();
                assertThat(waiting.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            waiting.destroyForcibly();
        }
    }

    @Test
    void shouldExitInOneLineWhenTemporalCannotBeReachedAtStart(@TempDir Path stateDir) throws Exception {
        int nobody;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            nobody = free.getLocalPort();
        }
        Process failing = MirrorflowProcess.builder(stateDir, "worker", "--state-dir", stateDir.toString(),
                "--catalog-url", catalogDb.jdbcUrl(), "--temporal-address", "127.0.0.1:" + nobody,
                "--task-queue", "it-" + UUID.randomUUID()).redirectErrorStream(true).start();
        try {
            assertThat(failing.waitFor(120, TimeUnit.SECONDS)).as("a worker without Temporal exits").isTrue();
            String said = new String(failing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(failing.exitValue()).isEqualTo(1);
            assertThat(said.lines().filter(l -> l.startsWith("mirrorflow: ")).toList()).singleElement()
                    .satisfies(line -> assertThat(line).startsWith("mirrorflow: cannot reach Temporal at 127.0.0.1:"
                            + nobody));
            assertThat(said).doesNotContain("\tat ");
        } finally {
            failing.destroyForcibly();
        }
    }

    /** The version of the newest migration the catalog module ships, e.g. 002 for V002__....sql. */
    private static String newestMigration() throws Exception {
        java.net.URI dir = dev.mirrorflow.catalog.Catalog.class.getClassLoader().getResource("db/migration").toURI();
        try (java.nio.file.FileSystem jar = "jar".equals(dir.getScheme())
                ? java.nio.file.FileSystems.newFileSystem(dir, java.util.Map.of()) : null;
                java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of(dir))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .map(n -> n.substring(1, n.indexOf("__"))).max(java.util.Comparator.naturalOrder()).orElseThrow();
        }
    }
}
