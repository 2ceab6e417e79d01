package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.worker.TemporalConnection;
import dev.mirrorflow.workflow.TaskQueues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the catalog and Temporal are: shared by every command that talks to either. Defaults
 * point at the dev environment of scripts/dev-env.sh.
 */
public final class ConnectionOptions {

    @Option(names = "--catalog-url", paramLabel = "JDBC_URL",
            defaultValue = "jdbc:postgresql://127.0.0.1:55432/mirrorflow",
            description = "Catalog database (env MIRRORFLOW_CATALOG_URL). Default: ${DEFAULT-VALUE}")
    String catalogUrl;

    @Option(names = "--catalog-user", paramLabel = "USER", defaultValue = "mirrorflow",
            description = "Catalog user (env MIRRORFLOW_CATALOG_USER). Default: ${DEFAULT-VALUE}")
    String catalogUser;

    @Option(names = "--catalog-password-file", paramLabel = "FILE",
            description = "File holding the catalog password (env MIRRORFLOW_CATALOG_PASSWORD_FILE); "
                    + "else env MIRRORFLOW_CATALOG_PASSWORD; else the dev environment's.")
    Path catalogPasswordFile;

    @Option(names = "--temporal-address", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7233",
            description = "Temporal frontend (env MIRRORFLOW_TEMPORAL_ADDRESS). Default: ${DEFAULT-VALUE}")
    String temporalAddress;

    @Option(names = "--temporal-namespace", paramLabel = "NAMESPACE", defaultValue = "default",
            description = "Temporal namespace (env MIRRORFLOW_TEMPORAL_NAMESPACE). Default: ${DEFAULT-VALUE}")
    String temporalNamespace;

    @Option(names = "--task-queue", paramLabel = "QUEUE", defaultValue = TaskQueues.DEFAULT,
            description = "Temporal task queue (env MIRRORFLOW_TASK_QUEUE). Default: ${DEFAULT-VALUE}")
    String taskQueue;

    /** The dev environment's catalog password, used when none is configured. */
    static final String DEV_PASSWORD = "mirrorflow";

    public CatalogConfig catalogConfig() {
        return new CatalogConfig(catalogUrl, catalogUser, catalogPassword());
    }

    public TemporalConnection.Settings temporalSettings() {
        return new TemporalConnection.Settings(temporalAddress, temporalNamespace, taskQueue);
    }

    private String catalogPassword() {
        if (catalogPasswordFile != null) {
            try {
                return Files.readString(catalogPasswordFile).strip();
            } catch (IOException e) {
                throw new UserError("cannot read the catalog password file " + catalogPasswordFile
                        + " (" + e.getClass().getSimpleName() + "); fix --catalog-password-file");
            }
        }
        String env = System.getenv("MIRRORFLOW_CATALOG_PASSWORD");
        return env != null ? env : DEV_PASSWORD;
    }
}
