package dev.mirrorflow.worker;

import dev.mirrorflow.activities.MirrorActivitiesImpl;
import dev.mirrorflow.activities.MirrorCatalogActivitiesImpl;
import dev.mirrorflow.activities.WorkerActivitiesImpl;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.telemetry.InstanceId;
import dev.mirrorflow.telemetry.InstanceIdStore;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.postgres.SlotAcquirer;
import dev.mirrorflow.connector.postgres.SlotAcquisitionMetrics;
import dev.mirrorflow.connector.postgres.SlotRetryPolicy;
import dev.mirrorflow.workflow.MirrorWorkflowImpl;
import dev.mirrorflow.workflow.PingWorkflowImpl;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running mirrorflow worker: the catalog (migrated on open), the Temporal connection, and a
 * worker polling the task queue with every workflow and activity registered. The persistent
 * instance id is part of its Temporal identity and its row in the catalog's workers table.
 */
public final class WorkerRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
    private static final long LAST_SEEN_INTERVAL_SECONDS = 30;

    private final InstanceId instanceId;
    private final String identity;
    private final Catalog catalog;
    private final TemporalConnection temporal;
    private final WorkerFactory factory;
    private final ScheduledExecutorService lastSeen;

    private WorkerRuntime(InstanceId instanceId, String identity, Catalog catalog, TemporalConnection temporal,
            WorkerFactory factory, ScheduledExecutorService lastSeen) {
        this.instanceId = instanceId;
        this.identity = identity;
        this.catalog = catalog;
        this.temporal = temporal;
        this.factory = factory;
        this.lastSeen = lastSeen;
    }

    /** Opens the catalog and Temporal, registers this worker, and starts polling. */
    public static WorkerRuntime start(CatalogConfig catalogConfig, TemporalConnection.Settings temporalSettings,
            Path stateDir) {
        InstanceId instanceId = new InstanceIdStore(stateDir, System::getenv).resolve();
        String host = hostName();
        String version = BuildInfo.version();
        String identity = "mirrorflow@" + host + "/" + instanceId.id();

        Catalog catalog = Catalog.open(catalogConfig);
        TemporalConnection temporal = null;
        try {
            temporal = TemporalConnection.open(temporalSettings, identity);
            WorkerFactory factory = WorkerFactory.newInstance(temporal.client(), WorkerFactoryOptions.newBuilder().build());
            Worker worker = factory.newWorker(temporalSettings.taskQueue(), WorkerOptions.newBuilder()
                    // Long activities learn of a pause or terminate through their heartbeat; a short
                    // throttle lets them stop within seconds rather than most of a heartbeat timeout.
                    .setMaxHeartbeatThrottleInterval(Duration.ofSeconds(2))
                    .build());
            worker.registerWorkflowImplementationTypes(PingWorkflowImpl.class, MirrorWorkflowImpl.class);
            // A worker never creates the secret key (a new key could not decrypt the peers), and
            // looks for it when it needs it: `peer create` may make it after the worker started.
            SecretKeySource keys = new SecretKeySource(stateDir, System::getenv);
            Supplier<PeerStore> peers = () -> new PeerStore(catalog.peers(), keys.existing().orElse(null));
            worker.registerActivitiesImplementations(
                    new WorkerActivitiesImpl(
                            new WorkerActivitiesImpl.Identity(instanceId.id().toString(), version, host, identity), catalog),
                    new MirrorCatalogActivitiesImpl(catalog),
                    new MirrorActivitiesImpl(catalog, peers,
                            new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics()),
                            Duration.ofSeconds(30)));

            catalog.workers().register(instanceId.id(), host, version, identity, Instant.now());
            ScheduledExecutorService lastSeen = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mirrorflow-last-seen");
                t.setDaemon(true);
                return t;
            });
            lastSeen.scheduleWithFixedDelay(() -> touch(catalog, instanceId),
                    LAST_SEEN_INTERVAL_SECONDS, LAST_SEEN_INTERVAL_SECONDS, TimeUnit.SECONDS);

            factory.start();
            log.info("worker {} (version {}, instance id from {}) polling task queue '{}' on {} namespace '{}'",
                    identity, version, instanceId.source(), temporalSettings.taskQueue(),
                    temporalSettings.address(), temporalSettings.namespace());
            return new WorkerRuntime(instanceId, identity, catalog, temporal, factory, lastSeen);
        } catch (RuntimeException e) {
            if (temporal != null) {
                temporal.close();
            }
            catalog.close();
            throw e;
        }
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

    /**
     * Stops polling and waits for running tasks to finish (activities see the shutdown as a
     * cancellation at their next heartbeat), then closes the connections.
     */
    @Override
    public void close() {
        log.info("worker {} shutting down", identity);
        lastSeen.shutdownNow();
        factory.shutdown();
        factory.awaitTermination(60, TimeUnit.SECONDS);
        touch(catalog, instanceId);
        temporal.close();
        catalog.close();
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
