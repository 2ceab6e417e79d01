package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.CatalogUnavailableException;
import dev.mirrorflow.telemetry.PrometheusText;
import dev.mirrorflow.telemetry.Telemetry;
import dev.mirrorflow.worker.BuildInfo;
import dev.mirrorflow.worker.HealthEndpoints;
import dev.mirrorflow.worker.SecretKeySource;
import dev.mirrorflow.worker.TemporalUnavailableException;
import dev.mirrorflow.worker.WorkerRuntime;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Runs a mirrorflow worker: polls the task queue and runs mirror workflows and activities "
                + "until SIGTERM or SIGINT, then ends its streams at a batch boundary (other workers take them"
                + " over at once) and exits 0.",
                "Run more workers on the same task queue to scale out."})
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StateDirOption stateDir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve the HTTP probes /healthz (alive) and /readyz (catalog and Temporal answer, polling)"
                    + " and the Prometheus scrape /metrics on this port (env MIRRORFLOW_HTTP_PORT). Default: no HTTP"
                    + " listener")
    Integer httpPort;

    @Option(names = "--http-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the HTTP probes listen on (env MIRRORFLOW_HTTP_ADDRESS; 0.0.0.0 for all)."
                    + " Default: ${DEFAULT-VALUE}")
    String httpAddress;

    @Option(names = "--wait-for-dependencies", description = "When the catalog or Temporal cannot be reached"
            + " (or Temporal lacks the namespace) at start, wait for them with backoff, saying what is waited for,"
            + " instead of exiting 1 (env MIRRORFLOW_WAIT_FOR_DEPENDENCIES); for containers started together")
    boolean waitForDependencies;

    @Option(names = "--max-mirrors", paramLabel = "N", defaultValue = "0",
            description = "Run at most N mirrors' loads and streams at once (env MIRRORFLOW_MAX_MIRRORS); more are"
                    + " given back at once for another worker to take. Default: no limit")
    int maxMirrors;

    /** Waits between start attempts under --wait-for-dependencies: doubling from 1 s up to 30 s. */
    static final java.time.Duration FIRST_WAIT = java.time.Duration.ofSeconds(1);
    static final java.time.Duration LONGEST_WAIT = java.time.Duration.ofSeconds(30);

    @Override
    public Integer call() throws InterruptedException {
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--http-port must be from 0 to 65535, not " + httpPort);
        }
        if (maxMirrors < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--max-mirrors must be 0 (no limit) or more, not " + maxMirrors);
        }
        // A secret key that is configured but cannot be read (a container secret file that is missing,
        // empty or unreadable) stops the start here, instead of failing every mirror the worker takes up.
        new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec)).existing();
        // With the HTTP listener, the meters are also read for /metrics (next to any OTel exporter).
        PrometheusText scrape = httpPort == null ? null : new PrometheusText();
        WorkerRuntime runtime = startWorker(scrape);
        HealthEndpoints probes;
        try {
            probes = httpPort == null ? null
                    : HealthEndpoints.start(httpAddress, httpPort, runtime.readinessChecks(), scrape::scrape);
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        Runnable stop = () -> {
            // Not ready from here on (the listener goes), while the worker finishes what it runs.
            if (probes != null) {
                probes.close();
            }
            runtime.close();
        };
        // SIGTERM and SIGINT are how a worker is asked to stop (a rolling upgrade, Ctrl-C): it stops
        // here, handing its mirrors over, and exits 0. The hook covers any other end of the JVM.
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String signal : java.util.List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopRequested.countDown());
            } catch (IllegalArgumentException vmOwnsIt) {
                // A JVM run with -Xrs keeps the signal: it stops the worker through the hook and exits 143.
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "mirrorflow-shutdown"));
        System.out.println("mirrorflow worker " + runtime.identity() + " running; stop with Ctrl-C or SIGTERM");
        System.out.flush();
        stopRequested.await();
        stop.run();
        System.out.println("mirrorflow worker " + runtime.identity() + " stopped");
        System.out.flush();
        return 0;
    }

    /**
     * Starts the worker; under --wait-for-dependencies, a catalog or Temporal that does not answer
     * yet is waited for. Anything else (a bad setting, a secret key that does not fit) fails at once.
     */
    private WorkerRuntime startWorker(PrometheusText scrape) throws InterruptedException {
        java.time.Duration wait = FIRST_WAIT;
        while (true) {
            try {
                if (scrape == null) {
                    return WorkerRuntime.start(connection.catalogConfig(), connection.temporalSettings(),
                            stateDir.resolve(), id -> Telemetry.start(id, BuildInfo.version()), maxMirrors);
                }
                return WorkerRuntime.start(connection.catalogConfig(), connection.temporalSettings(), stateDir.resolve(),
                        id -> Telemetry.start(id, BuildInfo.version(), java.util.Map.of(), autoconfigure -> autoconfigure
                                .addMeterProviderCustomizer((meters, config) -> meters.registerMetricReader(scrape))),
                        maxMirrors);
            } catch (CatalogUnavailableException | TemporalUnavailableException e) {
                if (!waitForDependencies) {
                    throw e;
                }
                String which = e instanceof CatalogUnavailableException ? "the catalog" : "Temporal";
                System.err.println("mirrorflow worker: waiting for " + which + " (" + e.getMessage() + "); next try in "
                        + wait.toSeconds() + " s");
                System.err.flush();
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
            }
        }
    }
}
