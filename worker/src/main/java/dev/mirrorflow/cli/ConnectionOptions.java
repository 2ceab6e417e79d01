package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.worker.TemporalConnection;
import dev.mirrorflow.workflow.TaskQueues;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the catalog and Temporal are: shared by every command that talks to both. Defaults
 * point at the dev environment of scripts/dev-env.sh.
 */
public final class ConnectionOptions {

    @Mixin
    CatalogOptions catalog;

    @Option(names = "--temporal-address", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7233",
            description = "Temporal frontend (env MIRRORFLOW_TEMPORAL_ADDRESS). Default: ${DEFAULT-VALUE}")
    String temporalAddress;

    @Option(names = "--temporal-namespace", paramLabel = "NAMESPACE", defaultValue = "default",
            description = "Temporal namespace (env MIRRORFLOW_TEMPORAL_NAMESPACE). Default: ${DEFAULT-VALUE}")
    String temporalNamespace;

    @Option(names = "--task-queue", paramLabel = "QUEUE", defaultValue = TaskQueues.DEFAULT,
            description = "Temporal task queue (env MIRRORFLOW_TASK_QUEUE). Default: ${DEFAULT-VALUE}")
    String taskQueue;

    public CatalogConfig catalogConfig() {
        return catalog.catalogConfig();
    }

    public TemporalConnection.Settings temporalSettings() {
        return new TemporalConnection.Settings(temporalAddress, temporalNamespace, taskQueue);
    }
}
