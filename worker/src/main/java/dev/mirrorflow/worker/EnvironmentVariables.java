package dev.mirrorflow.worker;

import java.util.ArrayList;
import java.util.List;

/**
 * The environment variables the {@code mirrorflow} program reads that are not the {@code
 * MIRRORFLOW_<OPTION>} of a command-line option (those the CLI derives from its options, {@code
 * cli.EnvironmentDefaults}), and the standard {@code OTEL_*} settings its OpenTelemetry SDK reads.
 *
 * <p>Code that reads one of these names it from here, so that this class and the CLI's options are
 * the whole list of what can be set: {@code DeploymentFilesTest} checks every {@code MIRRORFLOW_*}
 * and {@code OTEL_*} variable that docker-compose.yml and the container image set against it, so
 * that those files cannot drift from the code (a misspelt setting is silently ignored otherwise).
 */
public final class EnvironmentVariables {

    /** The peers' secret key, base64 of 32 bytes. Never a flag, since flags end up in process lists. */
    public static final String SECRET_KEY = "MIRRORFLOW_SECRET_KEY";
    /** A file holding the peers' secret key (a container secret), instead of {@link #SECRET_KEY}. */
    public static final String SECRET_KEY_FILE = "MIRRORFLOW_SECRET_KEY_FILE";
    /** The catalog password itself; {@code --catalog-password-file} (its variable too) is preferred. */
    public static final String CATALOG_PASSWORD = "MIRRORFLOW_CATALOG_PASSWORD";
    /** Overrides the persistent instance id kept in the state directory. */
    public static final String INSTANCE_ID = "MIRRORFLOW_INSTANCE_ID";
    /** The state directory; also the variable of {@code --state-dir}, and read where there is no option. */
    public static final String STATE_DIR = "MIRRORFLOW_STATE_DIR";
    /** The root log level. */
    public static final String LOG_LEVEL = "MIRRORFLOW_LOG_LEVEL";
    /** A properties file of option defaults ({@code temporal-address=...}). */
    public static final String CONFIG = "MIRRORFLOW_CONFIG";

    /** Every {@code MIRRORFLOW_*} variable read directly, i.e. not through an option. */
    public static final List<String> NOT_OPTIONS =
            List.of(SECRET_KEY, SECRET_KEY_FILE, CATALOG_PASSWORD, INSTANCE_ID, STATE_DIR, LOG_LEVEL, CONFIG);

    /**
     * The standard OpenTelemetry settings the worker's SDK autoconfigure (1.67) reads, as
     * environment variables: the property names found in the autoconfigure and exporter jars,
     * upper-cased with dots as underscores. A setting the SDK does not know is ignored by it without
     * a word, which is why a deployment file may set only these.
     */
    public static final List<String> OPENTELEMETRY = openTelemetry();

    private EnvironmentVariables() {}

    private static List<String> openTelemetry() {
        List<String> names = new ArrayList<>(List.of(
                "OTEL_SDK_DISABLED", "OTEL_CONFIG_FILE", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
                "OTEL_RESOURCE_DISABLED_KEYS", "OTEL_JAVA_ENABLED_RESOURCE_PROVIDERS",
                "OTEL_JAVA_DISABLED_RESOURCE_PROVIDERS", "OTEL_PROPAGATORS",
                "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
                "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_METRIC_EXPORT_INTERVAL",
                "OTEL_METRICS_EXEMPLAR_FILTER", "OTEL_JAVA_METRICS_CARDINALITY_LIMIT",
                "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_BLRP_MAX_QUEUE_SIZE",
                "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "OTEL_BLRP_EXPORT_TIMEOUT",
                "OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
                "OTEL_JAVA_EXPORTER_MEMORY_MODE", "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED"));
        // The OTLP exporter's settings, for all signals and for each one on its own.
        List<String> otlp = List.of("ENDPOINT", "PROTOCOL", "HEADERS", "COMPRESSION", "TIMEOUT", "CERTIFICATE",
                "CLIENT_KEY", "CLIENT_CERTIFICATE");
        for (String signal : List.of("", "TRACES_", "METRICS_", "LOGS_")) {
            for (String setting : otlp) {
                names.add("OTEL_EXPORTER_OTLP_" + signal + setting);
            }
        }
        return List.copyOf(names);
    }
}
