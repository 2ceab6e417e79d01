package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.worker.TemporalConnection;
import dev.mirrorflow.worker.TemporalTls;
import java.nio.file.Path;
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

    @Option(names = "--temporal-tls", description = "Reach Temporal over TLS with the system's CAs (env"
            + " MIRRORFLOW_TEMPORAL_TLS); implied by every other --temporal-tls-* option and the API key")
    boolean temporalTls;

    @Option(names = "--temporal-tls-ca-path", paramLabel = "PEM",
            description = "CA certificate that signed the Temporal frontend's certificate (env"
                    + " MIRRORFLOW_TEMPORAL_TLS_CA_PATH). Default: the system's CAs")
    Path temporalTlsCa;

    @Option(names = "--temporal-tls-cert-path", paramLabel = "PEM",
            description = "Client certificate for mTLS, with --temporal-tls-key-path (env MIRRORFLOW_TEMPORAL_TLS_CERT_PATH)")
    Path temporalTlsCert;

    @Option(names = "--temporal-tls-key-path", paramLabel = "PEM",
            description = "PKCS#8 private key of the client certificate (env MIRRORFLOW_TEMPORAL_TLS_KEY_PATH)")
    Path temporalTlsKey;

    @Option(names = "--temporal-tls-server-name", paramLabel = "NAME",
            description = "Name to verify the frontend's certificate against, when not the address's host (env"
                    + " MIRRORFLOW_TEMPORAL_TLS_SERVER_NAME)")
    String temporalTlsServerName;

    @Option(names = "--temporal-api-key-file", paramLabel = "FILE",
            description = "File holding a Temporal API key (Temporal Cloud), sent as a bearer token over TLS (env"
                    + " MIRRORFLOW_TEMPORAL_API_KEY_FILE); never the key itself on the command line")
    Path temporalApiKeyFile;

    public CatalogConfig catalogConfig() {
        return catalog.catalogConfig();
    }

    public TemporalConnection.Settings temporalSettings() {
        return new TemporalConnection.Settings(temporalAddress, temporalNamespace, taskQueue, new TemporalTls(
                temporalTls, temporalTlsCa, temporalTlsCert, temporalTlsKey, temporalTlsServerName, temporalApiKeyFile));
    }
}
