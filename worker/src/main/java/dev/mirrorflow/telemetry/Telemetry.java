package dev.mirrorflow.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.resources.ResourceBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's OpenTelemetry: the SDK as the standard {@code OTEL_*} environment variables (or
 * {@code otel.*} system properties) configure it, through SDK autoconfigure, with the worker's
 * identity as resource: {@code service.name=mirrorflow} unless {@code OTEL_SERVICE_NAME} or
 * {@code OTEL_RESOURCE_ATTRIBUTES} name another, {@code service.version}, and {@code
 * service.instance.id} = the persistent instance id.
 *
 * <p>Autoconfigure exports every signal over OTLP unless told otherwise, which would make every
 * worker without a collector log export errors. Here a signal whose exporter is not set exports
 * nothing ({@code none}); what a user sets is left as it is. With no exporter at all the SDK is not
 * kept: {@link #openTelemetry()} is then {@link OpenTelemetry#noop()}, so the default costs
 * nothing, not even span bookkeeping.
 */
public final class Telemetry implements AutoCloseable {

    public static final String DEFAULT_SERVICE_NAME = "mirrorflow";
    public static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    public static final AttributeKey<String> SERVICE_VERSION = AttributeKey.stringKey("service.version");
    public static final AttributeKey<String> SERVICE_INSTANCE_ID = AttributeKey.stringKey("service.instance.id");

    private static final Logger log = LoggerFactory.getLogger(Telemetry.class);
    private static final List<String> SIGNALS = List.of("traces", "metrics", "logs");
    private static final String DISABLED_RESOURCE_PROVIDERS = "otel.java.disabled.resource.providers";
    /**
     * Autoconfigure gives every process a random {@code service.instance.id}; the worker has a
     * persistent one. Replacing the random one afterwards makes the SDK warn that the attribute
     * left its entity, so the random one is not made at all.
     */
    private static final String RANDOM_INSTANCE_ID_PROVIDER =
            "io.opentelemetry.sdk.autoconfigure.ServiceInstanceIdResourceProvider";
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

    private final OpenTelemetry openTelemetry;
    private final OpenTelemetrySdk sdk;
    private final Map<String, List<String>> exporters;

    private Telemetry(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk, Map<String, List<String>> exporters) {
        this.openTelemetry = openTelemetry;
        this.sdk = sdk;
        this.exporters = exporters;
    }

    /** Telemetry as the environment and system properties configure it. */
    public static Telemetry start(InstanceId instanceId, String version) {
        return start(instanceId, version, Map.of(), null);
    }

    /**
     * Telemetry with extra settings and customizations, for tests and embedding.
     *
     * @param properties settings in autoconfigure's property names ({@code otel.traces.exporter});
     *     the environment and system properties still take precedence, as for any default
     * @param customizer changes autoconfigure further, e.g. adds in-memory exporters; with one the
     *     SDK is kept even when no exporter is configured, because the customizer may add its own
     * @throws TelemetryConfigurationException when the {@code OTEL_*} settings are invalid
     */
    public static Telemetry start(InstanceId instanceId, String version, Map<String, String> properties,
            Consumer<AutoConfiguredOpenTelemetrySdkBuilder> customizer) {
        Objects.requireNonNull(instanceId, "instanceId");
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String signal : SIGNALS) {
            defaults.put("otel." + signal + ".exporter", "none");
        }
        AtomicReference<ConfigProperties> resolved = new AtomicReference<>();
        AutoConfiguredOpenTelemetrySdkBuilder builder = AutoConfiguredOpenTelemetrySdk.builder()
                // Later suppliers win over earlier ones, and the environment over all of them.
                .addPropertiesSupplier(() -> defaults)
                .addPropertiesSupplier(() -> Map.copyOf(properties))
                .addPropertiesCustomizer(config -> {
                    List<String> disabled = new ArrayList<>(config.getList(DISABLED_RESOURCE_PROVIDERS));
                    disabled.add(RANDOM_INSTANCE_ID_PROVIDER);
                    return Map.of(DISABLED_RESOURCE_PROVIDERS, String.join(",", disabled));
                })
                .addResourceCustomizer((resource, config) -> {
                    resolved.set(config);
                    return identify(resource, instanceId, version);
                })
                // The worker closes the SDK itself, after its last activity ended, so that the
                // spans of that activity are exported too; a hook of its own could run first.
                .disableShutdownHook();
        if (customizer != null) {
            customizer.accept(builder);
        }
        OpenTelemetrySdk sdk;
        try {
            sdk = builder.build().getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            throw new TelemetryConfigurationException("the OpenTelemetry settings are invalid: " + firstLine(e)
                    + "; fix the OTEL_* environment variables (or unset them to export nothing)", e);
        }
        Map<String, List<String>> exporters = new LinkedHashMap<>();
        ConfigProperties config = resolved.get();
        for (String signal : SIGNALS) {
            exporters.put(signal, config == null ? List.of("none") : config.getList("otel." + signal + ".exporter"));
        }
        boolean exporting = exporters.values().stream().anyMatch(e -> !e.equals(List.of("none")));
        boolean disabled = config != null && config.getBoolean("otel.sdk.disabled", false);
        if ((!exporting || disabled) && customizer == null) {
            sdk.close();
            log.info("telemetry off: no OpenTelemetry exporter configured (set OTEL_TRACES_EXPORTER or"
                    + " OTEL_METRICS_EXPORTER to otlp, or to logging for a quick look)");
            return new Telemetry(OpenTelemetry.noop(), null, Map.of());
        }
        log.info("telemetry on: traces to {}, metrics to {}, logs to {}; service.instance.id {}",
                exporters.get("traces"), exporters.get("metrics"), exporters.get("logs"), instanceId.id());
        return new Telemetry(sdk, sdk, exporters);
    }

    /**
     * The resource autoconfigure built, with the worker's identity. The instance id always comes
     * from the instance id store: it is also the worker's Temporal identity and its row in the
     * catalog, and an id set in {@code OTEL_RESOURCE_ATTRIBUTES} would break that link;
     * {@code MIRRORFLOW_INSTANCE_ID} is the way to override it.
     */
    static Resource identify(Resource resource, InstanceId instanceId, String version) {
        ResourceBuilder identified = resource.toBuilder();
        String name = resource.getAttribute(SERVICE_NAME);
        if (name == null || name.startsWith("unknown_service")) {
            identified.put(SERVICE_NAME, DEFAULT_SERVICE_NAME);
        }
        if (resource.getAttribute(SERVICE_VERSION) == null) {
            identified.put(SERVICE_VERSION, version);
        }
        String id = instanceId.id().toString();
        String configured = resource.getAttribute(SERVICE_INSTANCE_ID);
        if (configured != null && !configured.equals(id)) {
            log.warn("ignoring service.instance.id={} from the OpenTelemetry resource settings: the worker's"
                    + " instance id {} is used everywhere; set MIRRORFLOW_INSTANCE_ID to change it", configured, id);
        }
        identified.put(SERVICE_INSTANCE_ID, id);
        return identified.build();
    }

    /** The API to instrument with; {@link OpenTelemetry#noop()} when telemetry is off. */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** Whether anything is exported (or a customizer asked for the SDK). */
    public boolean isOn() {
        return sdk != null;
    }

    /** The exporters of each signal ({@code traces}, {@code metrics}, {@code logs}); empty when off. */
    public Map<String, List<String>> exporters() {
        return exporters;
    }

    /** Exports what is still buffered and stops the exporters. */
    @Override
    public void close() {
        if (sdk == null) {
            return;
        }
        if (!sdk.shutdown().join(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS).isSuccess()) {
            log.warn("telemetry: the exporters did not finish within {}s; the last spans or metrics may be lost",
                    SHUTDOWN_TIMEOUT_SECONDS);
        }
    }

    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
