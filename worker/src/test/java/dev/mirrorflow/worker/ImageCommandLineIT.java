package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SecretCipher;
import dev.mirrorflow.cli.DeployDockerfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
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
 * What the container image runs, without a container engine: the command line of deploy/Dockerfile's
 * ENTRYPOINT (its jar path mapped to the jar this build made, which the image's COPY takes) with the
 * image's ENV and the settings docker-compose.yml gives (secrets as files), against the dev
 * environment's PostgreSQL and Temporal. `docker run IMAGE mirror list` and `docker run IMAGE`
 * answer; `docker run IMAGE worker` starts a worker whose probes listen on every interface and
 * whose HEALTHCHECK command passes; SIGTERM stops it.
 */
class ImageCommandLineIT {

    private static final String TEMPORAL = System.getProperty("mirrorflow.it.temporal.address", "127.0.0.1:7233");

    private static ScratchDatabase catalogDb;

    @BeforeAll
    static void catalog() {
        catalogDb = ScratchDatabase.create("mirrorflow_image_it");
    }

    @AfterAll
    static void dropCatalog() {
        catalogDb.close();
    }

    @Test
    void shouldRunTheCliAndAWorkerAsTheImageDoes(@TempDir Path temp) throws Exception {
        DeployDockerfile dockerfile = DeployDockerfile.read();
        Path stateVolume = Files.createDirectories(temp.resolve("state"));
        int httpPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        Path catalogPassword = Files.writeString(temp.resolve("catalog_password"), ScratchDatabase.PASSWORD + "\n");
        Path secretKey = Files.writeString(temp.resolve("mirrorflow_secret_key"),
                Base64.getEncoder().encodeToString(SecretCipher.newKey()) + "\n");

        Map<String, String> imageEnv = dockerfile.env();
        assertThat(imageEnv.get("MIRRORFLOW_HTTP_ADDRESS")).isEqualTo("0.0.0.0");
        Map<String, String> settings = new java.util.LinkedHashMap<>(imageEnv);
        // The volume and the port stand in for the image's: one directory and one free port of this host.
        settings.put("MIRRORFLOW_STATE_DIR", stateVolume.toString());
        settings.put("MIRRORFLOW_HTTP_PORT", String.valueOf(httpPort));
        // As docker-compose.yml sets them, the secrets as files.
        settings.put("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl());
        settings.put("MIRRORFLOW_CATALOG_USER", ScratchDatabase.USER);
        settings.put("MIRRORFLOW_CATALOG_PASSWORD_FILE", catalogPassword.toString());
        settings.put("MIRRORFLOW_SECRET_KEY_FILE", secretKey.toString());
        settings.put("MIRRORFLOW_TEMPORAL_ADDRESS", TEMPORAL);
        settings.put("MIRRORFLOW_TEMPORAL_NAMESPACE", MirrorTestBed.NAMESPACE);
        settings.put("MIRRORFLOW_TASK_QUEUE", "it-" + UUID.randomUUID());
        settings.put("MIRRORFLOW_WAIT_FOR_DEPENDENCIES", "true");

        Result usage = run(dockerfile, settings, stateVolume, dockerfile.execForm("CMD"));
        assertThat(usage.exit()).as("docker run IMAGE: %s", usage.output()).isZero();
        assertThat(usage.output()).contains("Usage: mirrorflow");

        Result list = run(dockerfile, settings, stateVolume, List.of("mirror", "list"));
        assertThat(list.exit()).as("docker run IMAGE mirror list: %s", list.output()).isZero();

        Process worker = builder(dockerfile, settings, stateVolume, List.of("worker")).redirectErrorStream(true).start();
        try {
            String started = awaitOutputLine(worker, "running; stop with", Duration.ofSeconds(120));
            assertThat(started).contains("HTTP probes on http://0.0.0.0:" + httpPort + "/healthz");
            assertThat(stateVolume.resolve("instance-id")).exists();
            assertThat(stateVolume.resolve("secret.key")).as("the key comes from its file").doesNotExist();

            assertThat(DeployDockerfile.runHealthCheck(dockerfile.healthCheckCommand(), httpPort))
                    .as("the image's HEALTHCHECK against the worker").isZero();
            HttpClient http = HttpClient.newHttpClient();
            MirrorTestBed.await("the worker ready", Duration.ofSeconds(60), () -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode() == 200;
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });

            worker.destroy(); // SIGTERM, as docker stop sends it
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker exits after SIGTERM").isTrue();
        } finally {
            worker.destroyForcibly();
        }
        assertThat(DeployDockerfile.runHealthCheck(dockerfile.healthCheckCommand(), httpPort))
                .as("the HEALTHCHECK once the worker is gone").isEqualTo(1);
    }

    private record Result(int exit, String output) {}

    private static Result run(DeployDockerfile dockerfile, Map<String, String> settings, Path stateVolume,
            List<String> arguments) throws IOException, InterruptedException {
        Process process = builder(dockerfile, settings, stateVolume, arguments).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("mirrorflow %s ended", arguments).isTrue();
        return new Result(process.exitValue(), output);
    }

    /** The image's entrypoint with {@code arguments}, run on this host with the JVM running the test. */
    private static ProcessBuilder builder(DeployDockerfile dockerfile, Map<String, String> settings, Path stateVolume,
            List<String> arguments) {
        List<String> entrypoint = new ArrayList<>(dockerfile.execForm("ENTRYPOINT"));
        String jarInImage = dockerfile.instruction("COPY").split(" ")[1];
        Path builtJar = Path.of("target", "mirrorflow.jar").toAbsolutePath();
        assertThat(builtJar).as("the jar this build made (the package phase runs before the ITs)").exists();
        assertThat(entrypoint.get(0)).isEqualTo("java");
        entrypoint.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        entrypoint.replaceAll(element -> element.equals(jarInImage) ? builtJar.toString() : element);
        entrypoint.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(entrypoint);
        MirrorflowProcess.isolate(builder.environment(), stateVolume);
        builder.environment().putAll(settings);
        return builder;
    }

    /** Reads the output on a thread of its own until a line contains {@code marker}, then drains it. */
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
        }, "image-worker-output");
        reader.setDaemon(true);
        reader.start();
        assertThat(found.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("worker printed '%s' within %s; its output:%n%s", marker, timeout, seen).isTrue();
        return seen.toString();
    }
}
