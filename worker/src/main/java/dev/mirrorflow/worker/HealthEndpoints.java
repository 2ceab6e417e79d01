package dev.mirrorflow.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's HTTP probes, for Kubernetes or any supervisor: {@code /healthz} answers 200 while
 * the process runs; {@code /readyz} answers 200 when the last round of readiness checks passed
 * and 503 with the failing checks' reasons otherwise; {@code /metrics} the worker's meters for a
 * Prometheus scrape.
 *
 * <p>The checks run in the background every {@link #CHECK_INTERVAL} and a probe reads their
 * last result, so a probe answers at once even while the catalog does not answer at all (a
 * connection attempt to a dead host can take the pool's full connection timeout). A check that
 * has not answered within {@link #CHECK_TIMEOUT} counts as failed with that said.
 */
public final class HealthEndpoints implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthEndpoints.class);

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);

    /** A named readiness check: empty when fine, else what is wrong in a few words. */
    public interface Check extends Supplier<Optional<String>> {}

    private final HttpServer server;
    private final ScheduledExecutorService schedule;
    private final ExecutorService checking;
    private final ExecutorService serving = Executors.newSingleThreadExecutor(daemon("mirrorflow-http"));
    private final Map<String, Check> checks;
    private volatile List<String> problems = List.of("starting: no readiness check finished yet");

    private HealthEndpoints(HttpServer server, Map<String, Check> checks) {
        this.server = server;
        this.checks = checks;
        this.schedule = Executors.newSingleThreadScheduledExecutor(daemon("mirrorflow-readiness"));
        this.checking = Executors.newCachedThreadPool(daemon("mirrorflow-readiness-check"));
    }

    /**
     * Listens on {@code address:port} (port 0: any free port, see {@link #port()}) and starts the
     * readiness checks, in the order given.
     *
     * @throws UncheckedIOException when the port cannot be bound, with the address in the message
     */
    public static HealthEndpoints start(String address, int port, Map<String, Check> checks) {
        return start(address, port, checks, null);
    }

    /**
     * As {@link #start(String, int, Map)}, with {@code /metrics} answering what {@code metrics}
     * returns, in the Prometheus text format, when it is not null.
     */
    public static HealthEndpoints start(String address, int port, Map<String, Check> checks,
            Supplier<String> metrics) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for HTTP probes on " + address + ":" + port + ": "
                    + e.getMessage() + "; choose another --http-port (MIRRORFLOW_HTTP_PORT)", e);
        }
        HealthEndpoints endpoints = new HealthEndpoints(server,
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(checks)));
        server.createContext("/healthz", exchange -> endpoints.answer(exchange, 200, "ok\n"));
        server.createContext("/readyz", exchange -> {
            List<String> now = endpoints.problems;
            if (now.isEmpty()) {
                endpoints.answer(exchange, 200, "ready\n");
            } else {
                endpoints.answer(exchange, 503, "not ready: " + String.join("; ", now) + "\n");
            }
        });
        if (metrics != null) {
            server.createContext("/metrics", exchange -> endpoints.answer(exchange, 200, metrics.get(),
                    dev.mirrorflow.telemetry.PrometheusText.CONTENT_TYPE));
        }
        server.setExecutor(endpoints.serving);
        server.start();
        endpoints.schedule.scheduleWithFixedDelay(endpoints::runChecks, 0, CHECK_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        log.info("HTTP probes on http://{}:{}/healthz and /readyz{}", address, endpoints.port(),
                metrics == null ? "" : ", metrics on /metrics");
        return endpoints;
    }

    /** The port listened on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void runChecks() {
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, Check> check : checks.entrySet()) {
            CompletableFuture<Optional<String>> result = CompletableFuture.supplyAsync(check.getValue(), checking);
            try {
                result.get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .ifPresent(problem -> found.add(check.getKey() + ": " + problem));
            } catch (TimeoutException e) {
                result.cancel(true);
                found.add(check.getKey() + ": no answer within " + CHECK_TIMEOUT.toSeconds() + " s");
            } catch (Exception e) {
                found.add(check.getKey() + ": " + (e.getCause() == null ? e : e.getCause()).getMessage());
            }
        }
        if (!found.equals(problems)) {
            if (found.isEmpty()) {
                log.info("ready");
            } else {
                log.warn("not ready: {}", String.join("; ", found));
            }
        }
        problems = List.copyOf(found);
    }

    private void answer(HttpExchange exchange, int status, String body) throws IOException {
        answer(exchange, status, body, "text/plain; charset=utf-8");
    }

    private void answer(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        schedule.shutdownNow();
        checking.shutdownNow();
        server.stop(0);
        serving.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
