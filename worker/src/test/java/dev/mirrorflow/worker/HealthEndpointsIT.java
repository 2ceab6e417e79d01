package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's HTTP probes against the real catalog and Temporal dev server: ready once it polls,
 * not ready (503 with the reason) while the catalog is unreachable, ready again when it is back,
 * and alive throughout.
 */
class HealthEndpointsIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private record Answer(int status, String body) {}

    private static Answer get(int port, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    @Test
    void shouldSayNotReadyWhileTheCatalogIsUnreachableAndReadyWhenItIsBack(@TempDir Path state) throws Exception {
        try (ScratchDatabase catalogDb = ScratchDatabase.create("mirrorflow_probe_catalog")) {
            int pgPort = Integer.parseInt(catalogDb.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1"));
            TcpProxy network = new TcpProxy("127.0.0.1", pgPort);
            int proxied = network.port();
            CatalogConfig throughProxy = new CatalogConfig(
                    catalogDb.jdbcUrl().replace(":" + pgPort + "/", ":" + proxied + "/"),
                    ScratchDatabase.USER, ScratchDatabase.PASSWORD);
            try (WorkerRuntime worker = WorkerRuntime.start(throughProxy, new TemporalConnection.Settings(
                    MirrorTestBed.TEMPORAL, MirrorTestBed.NAMESPACE, "probe-" + UUID.randomUUID()), state);
                    HealthEndpoints probes = HealthEndpoints.start("127.0.0.1", 0, worker.readinessChecks())) {
                int port = probes.port();
                assertThat(get(port, "/healthz")).isEqualTo(new Answer(200, "ok\n"));
                MirrorTestBed.await("ready", Duration.ofSeconds(30), () -> status(port, "/readyz") == 200);
                assertThat(get(port, "/readyz").body()).isEqualTo("ready\n");

                network.close();
                MirrorTestBed.await("not ready without the catalog", Duration.ofSeconds(30),
                        () -> status(port, "/readyz") == 503);
                Answer notReady = get(port, "/readyz");
                assertThat(notReady.body()).startsWith("not ready: catalog: ").doesNotContain("temporal:");
                assertThat(get(port, "/healthz").status()).as("alive all the same").isEqualTo(200);

                network = new TcpProxy("127.0.0.1", pgPort, proxied);
                MirrorTestBed.await("ready with the catalog back", Duration.ofSeconds(60),
                        () -> status(port, "/readyz") == 200);
            } finally {
                network.close();
            }
        }
    }

    private static int status(int port, String path) {
        try {
            return get(port, path).status();
        } catch (Exception e) {
            return -1;
        }
    }
}
