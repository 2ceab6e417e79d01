package dev.mirrorflow.worker;

import dev.mirrorflow.activities.LongActivityHeartbeats;
import dev.mirrorflow.activities.MaintenanceActivitiesImpl;
import dev.mirrorflow.activities.MirrorCapacity;
import dev.mirrorflow.activities.MirrorPlacement;
import dev.mirrorflow.activities.MirrorActivitiesImpl;
import dev.mirrorflow.activities.MirrorCatalogActivitiesImpl;
import dev.mirrorflow.activities.MirrorTelemetry;
import dev.mirrorflow.activities.WorkerActivitiesImpl;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.telemetry.InstanceId;
import dev.mirrorflow.telemetry.InstanceIdStore;
import dev.mirrorflow.telemetry.Telemetry;
import dev.mirrorflow.telemetry.TemporalTracing;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.TelemetryNames;
import dev.mirrorflow.workflow.MaintenanceWorkflowImpl;
import dev.mirrorflow.workflow.MirrorWorkflowImpl;
import dev.mirrorflow.workflow.PingWorkflowImpl;
import io.opentelemetry.api.OpenTelemetry;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running mirrorflow worker: the catalog (migrated on open), the Temporal connection, and a
 * worker polling the task queue with every workflow and activity registered. The persistent
 * instance id is part of its Temporal identity, its row in the catalog's workers table, and the
 * {@code service.instance.id} of its telemetry.
 */
public final class WorkerRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
    private static final long LAST_SEEN_INTERVAL_SECONDS = 30;

    /**
     * How long a stopping worker waits for its activities: a stream ends its batch in flight and a
     * load its partitions within this, else they are abandoned to the heartbeat timeout.
     */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    private final InstanceId instanceId;
    private final String identity;
    private final Catalog catalog;
    private final TemporalConnection temporal;
    private final WorkerFactory factory;
    private final ScheduledExecutorService lastSeen;
    private final Telemetry telemetry;
    private final LongActivityHeartbeats heartbeats;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private WorkerRuntime(InstanceId instanceId, String identity, Catalog catalog, TemporalConnection temporal,
            WorkerFactory factory, ScheduledExecutorService lastSeen, Telemetry telemetry,
            LongActivityHeartbeats heartbeats) {
        this.instanceId = instanceId;
        this.identity = identity;
        this.catalog = catalog;
        this.temporal = temporal;
        this.factory = factory;
        this.lastSeen = lastSeen;
        this.telemetry = telemetry;
        this.heartbeats = heartbeats;
    }

    /**
     * Opens the catalog and Temporal, registers this worker, and starts polling, with telemetry as
     * the {@code OTEL_*} environment configures it (none by default).
     */
    public static WorkerRuntime start(CatalogConfig catalogConfig, TemporalConnection.Settings temporalSettings,
            Path stateDir) {
        return start(catalogConfig, temporalSettings, stateDir, id -> Telemetry.start(id, BuildInfo.version()));
    }

    /**
     * Like {@link #start(CatalogConfig, TemporalConnection.Settings, Path)}, with the telemetry that
     * {@code telemetryFor} builds for the worker's instance id, so that its {@code
     * service.instance.id} is that id (tests build one with in-memory exporters). The worker closes
     * it when it closes.
     */
    public static WorkerRuntime start(CatalogConfig catalogConfig, TemporalConnection.Settings temporalSettings,
            Path stateDir, Function<InstanceId, Telemetry> telemetryFor) {
        return start(catalogConfig, temporalSettings, stateDir, telemetryFor, 0);
    }

    /**
     * Like {@link #start(CatalogConfig, TemporalConnection.Settings, Path, Function)}, running at
     * most {@code maxMirrors} loads and streams at once ({@link MirrorCapacity}); 0 for no limit.
     */
    public static WorkerRuntime start(CatalogConfig catalogConfig, TemporalConnection.Settings temporalSettings,
            Path stateDir, Function<InstanceId, Telemetry> telemetryFor, int maxMirrors) {
        InstanceId instanceId = new InstanceIdStore(stateDir, System::getenv).resolve();
        String host = hostName();
        String version = BuildInfo.version();
        String identity = "mirrorflow@" + host + "/" + instanceId.id();

        Telemetry telemetry = telemetryFor.apply(instanceId);
        OpenTelemetry openTelemetry = telemetry.openTelemetry();
        Catalog catalog;
        try {
            catalog = Catalog.open(catalogConfig);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
        TemporalConnection temporal = null;
        LongActivityHeartbeats heartbeats = new LongActivityHeartbeats();
        try {
            // With telemetry off there is no tracer to feed.
            List<WorkflowClientInterceptor> clientInterceptors = List.of();
            WorkerFactoryOptions.Builder factoryOptions = WorkerFactoryOptions.newBuilder();
            // Each interceptor wraps the ones before it: the capacity check runs first (a refused
            // load or stream records nothing), then the record of where a mirror runs, then the
            // heartbeats; tracing wraps them all.
            List<WorkerInterceptor> workerInterceptors = new java.util.ArrayList<>();
            workerInterceptors.add(heartbeats);
            workerInterceptors.add(new MirrorPlacement(catalog, identity));
            if (maxMirrors > 0) {
                workerInterceptors.add(new MirrorCapacity(maxMirrors));
            }
            if (telemetry.isOn()) {
                TemporalTracing tracing = new TemporalTracing(openTelemetry);
                clientInterceptors = List.of(tracing.clientInterceptor());
                workerInterceptors.add(tracing.workerInterceptor());
            }
            factoryOptions.setWorkerInterceptors(workerInterceptors.toArray(WorkerInterceptor[]::new));
            temporal = TemporalConnection.open(temporalSettings, identity, clientInterceptors);
            WorkerFactory factory = WorkerFactory.newInstance(temporal.client(), factoryOptions.build());
            Worker worker = factory.newWorker(temporalSettings.taskQueue(), WorkerOptions.newBuilder()
                    // Long activities learn of a pause or terminate through their heartbeat; a short
                    // throttle lets a busy one stop within seconds rather than most of a heartbeat
                    // timeout. An idle one beats less often (ActivityHeartbeat: a quarter of its
                    // timeout, 2 s for the default 8 s), so Temporal hears from a live worker often
                    // enough that a timeout of a few seconds tells only a dead one.
                    .setMaxHeartbeatThrottleInterval(Duration.ofSeconds(1))
                    .build());
            worker.registerWorkflowImplementationTypes(PingWorkflowImpl.class, MirrorWorkflowImpl.class,
                    MaintenanceWorkflowImpl.class);
            // A worker never creates the secret key (a new key could not decrypt the peers), and
            // looks for it when it needs it: `peer create` may make it after the worker started.
            SecretKeySource keys = new SecretKeySource(stateDir, System::getenv);
            // Built once: the connectors' metrics (slot acquisitions) go to this worker's telemetry.
            Connectors connectors = Connectors.standard(openTelemetry.getMeter(TelemetryNames.SCOPE));
            Supplier<PeerStore> peers = () -> new PeerStore(catalog.peers(), keys.existing().orElse(null), connectors);
            worker.registerActivitiesImplementations(
                    new WorkerActivitiesImpl(
                            new WorkerActivitiesImpl.Identity(instanceId.id().toString(), version, host, identity), catalog),
                    new MirrorCatalogActivitiesImpl(catalog),
                    new MaintenanceActivitiesImpl(catalog),
                    new MirrorActivitiesImpl(catalog, peers, connectors, new MirrorTelemetry(openTelemetry)));

            catalog.workers().register(instanceId.id(), host, version, identity, Instant.now());
            ScheduledExecutorService lastSeen = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mirrorflow-last-seen");
                t.setDaemon(true);
                return t;
            });
            lastSeen.scheduleWithFixedDelay(() -> touch(catalog, instanceId),
                    LAST_SEEN_INTERVAL_SECONDS, LAST_SEEN_INTERVAL_SECONDS, TimeUnit.SECONDS);

            factory.start();
            // The first workflow task of a fresh worker's first mirror is ~20x slower than the next.
            WorkerWarmUp.inBackground(worker, temporal.client().getOptions().getDataConverter(), catalog);
            log.info("worker {} (version {}, instance id from {}) polling task queue '{}' on {} namespace '{}'{}",
                    identity, version, instanceId.source(), temporalSettings.taskQueue(),
                    temporalSettings.address(), temporalSettings.namespace(),
                    maxMirrors > 0 ? ", running at most " + maxMirrors + " mirrors" : "");
            return new WorkerRuntime(instanceId, identity, catalog, temporal, factory, lastSeen, telemetry,
                    heartbeats);
        } catch (RuntimeException e) {
            if (temporal != null) {
                temporal.close();
            }
            catalog.close();
            telemetry.close();
            heartbeats.close();
            throw e;
        }
    }

    /**
     * What {@code /readyz} checks, in this order: the catalog answers on a pooled connection,
     * the Temporal frontend answers, and this worker polls its task queue.
     */
    public java.util.Map<String, HealthEndpoints.Check> readinessChecks() {
        java.util.Map<String, HealthEndpoints.Check> checks = new java.util.LinkedHashMap<>();
        checks.put("catalog", () -> {
            try (java.sql.Connection c = catalog.connection()) {
                return c.isValid(2) ? java.util.Optional.empty() : java.util.Optional.of("its connection is not valid");
            } catch (java.sql.SQLException e) {
                return java.util.Optional.of("unreachable ("
                        + dev.mirrorflow.catalog.CatalogUnavailableException.rootMessage(e) + ")");
            }
        });
        checks.put("temporal", () -> {
            try {
                temporal.stubs().blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS)
                        .getSystemInfo(io.temporal.api.workflowservice.v1.GetSystemInfoRequest.getDefaultInstance());
                return java.util.Optional.empty();
            } catch (RuntimeException e) {
                return java.util.Optional.of("unreachable at " + temporal.settings().address() + " ("
                        + TemporalConnection.describe(e) + ")");
            }
        });
        checks.put("pollers", () -> factory.isStarted() && !factory.isShutdown() ? java.util.Optional.empty()
                : java.util.Optional.of("not polling task queue '" + temporal.settings().taskQueue() + "'"));
        return checks;
    }

    public InstanceId instanceId() {
        return instanceId;
    }

    public String identity() {
        return identity;
    }

    public Catalog catalog() {
        return catalog;
    }

    public TemporalConnection temporal() {
        return temporal;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /**
     * Stops polling and waits for running tasks to finish (activities see the shutdown as a
     * cancellation at their next heartbeat, within 1 to 3 s: a stream ends after its batch in
     * flight, and Temporal hands the workflow to another worker at once), then closes the
     * connections, and last the telemetry, which exports what the last activities recorded. What
     * has not finished within {@link #SHUTDOWN_GRACE} is interrupted and left to its heartbeat
     * timeout. Closing again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("worker {} shutting down", identity);
        lastSeen.shutdownNow();
        factory.shutdown();
        factory.awaitTermination(SHUTDOWN_GRACE.toSeconds(), TimeUnit.SECONDS);
        if (!factory.isTerminated()) {
            log.warn("worker {}: activities still running after {} s; interrupting them, another worker takes"
                    + " them over after their heartbeat timeout", identity, SHUTDOWN_GRACE.toSeconds());
            factory.shutdownNow();
            factory.awaitTermination(5, TimeUnit.SECONDS);
        }
        heartbeats.close();
        touch(catalog, instanceId);
        temporal.close();
        catalog.close();
        telemetry.close();
    }

    private static void touch(Catalog catalog, InstanceId instanceId) {
        try {
            catalog.workers().touch(instanceId.id());
        } catch (RuntimeException e) {
            log.warn("could not update this worker's last-seen time in the catalog: {}", e.getMessage());
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
