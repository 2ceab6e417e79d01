package dev.mirrorflow.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worker's OpenTelemetry configuration. Settings go through autoconfigure's property
 * supplier, as the environment would give them; the environment itself is left alone.
 */
class TelemetryTest {

    private static final String VERSION = "1.2.3-test";
    private static final InstanceId ID = new InstanceId(UUID.fromString("6f1c3c55-1f7e-4b8e-9d1a-0c2b7f1e9a41"),
            InstanceId.Source.FILE_EXISTING, Path.of("/state/instance-id"));

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();

    @BeforeEach
    void noOpenTelemetrySettingsAround() {
        // The environment and system properties win over the settings a test passes.
        assumeThat(System.getenv().keySet()).noneMatch(k -> k.startsWith("OTEL_"));
        assumeThat(System.getProperties().stringPropertyNames()).noneMatch(k -> k.startsWith("otel."));
    }

    @Test
    void shouldIdentifyTheWorkerByNameVersionAndPersistentInstanceId() {
        try (Telemetry telemetry = Telemetry.start(ID, VERSION, Map.of(), inMemory())) {
            emitSpanAndCounter(telemetry.openTelemetry());

            Resource resource = spans.getFinishedSpanItems().get(0).getResource();
            assertThat(resource.getAttribute(Telemetry.SERVICE_INSTANCE_ID)).isEqualTo(ID.id().toString());
            assertThat(resource.getAttribute(Telemetry.SERVICE_NAME)).isEqualTo("mirrorflow");
            assertThat(resource.getAttribute(Telemetry.SERVICE_VERSION)).isEqualTo(VERSION);
            assertThat(metrics.collectAllMetrics()).isNotEmpty().allSatisfy(m ->
                    assertThat(m.getResource().getAttribute(Telemetry.SERVICE_INSTANCE_ID)).isEqualTo(ID.id().toString()));
        }
    }

    @Test
    void shouldExportNothingAndKeepNoSdkWhenNoExporterIsConfigured() {
        try (Telemetry telemetry = Telemetry.start(ID, VERSION, Map.of(), null)) {
            assertThat(telemetry.isOn()).isFalse();
            assertThat(telemetry.openTelemetry()).isSameAs(OpenTelemetry.noop());
            assertThat(telemetry.exporters()).isEmpty();
        }
    }

    @Test
    void shouldConstructNoExporterForAnySignalByDefault() {
        AtomicInteger exporters = new AtomicInteger();
        Consumer<AutoConfiguredOpenTelemetrySdkBuilder> counting = b -> b
                .addSpanExporterCustomizer((e, c) -> count(exporters, e))
                .addMetricExporterCustomizer((e, c) -> count(exporters, e))
                .addLogRecordExporterCustomizer((e, c) -> count(exporters, e));
        // A customizer keeps the SDK, so that what autoconfigure built can be looked at.
        try (Telemetry telemetry = Telemetry.start(ID, VERSION, Map.of(), counting)) {
            assertThat(telemetry.exporters()).containsOnly(Map.entry("traces", List.of("none")),
                    Map.entry("metrics", List.of("none")), Map.entry("logs", List.of("none")));
            assertThat(exporters).as("exporters autoconfigure constructed").hasValue(0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"logging", "console"})
    void shouldPrintSpansForAQuickLookWhenAskedAndLeaveTheOtherSignalsOff(String exporter) {
        Logger exporterLogs = Logger.getLogger("io.opentelemetry.exporter.logging");
        List<String> printed = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                printed.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        exporterLogs.addHandler(capture);
        Level level = exporterLogs.getLevel();
        exporterLogs.setLevel(Level.INFO);
        try {
            try (Telemetry telemetry = Telemetry.start(ID, VERSION, Map.of("otel.traces.exporter", exporter), null)) {
                assertThat(telemetry.isOn()).isTrue();
                assertThat(telemetry.exporters()).containsEntry("traces", List.of(exporter))
                        .containsEntry("metrics", List.of("none")).containsEntry("logs", List.of("none"));
                telemetry.openTelemetry().getTracer("test").spanBuilder("QuickLook").startSpan().end();
            }
            assertThat(printed).anySatisfy(line -> assertThat(line).contains("QuickLook"));
        } finally {
            exporterLogs.removeHandler(capture);
            exporterLogs.setLevel(level);
        }
    }

    @Test
    void shouldKeepAServiceNameTheUserChose() {
        try (Telemetry telemetry = Telemetry.start(ID, VERSION, Map.of("otel.service.name", "shop-cdc"), inMemory())) {
            emitSpanAndCounter(telemetry.openTelemetry());

            assertThat(spans.getFinishedSpanItems().get(0).getResource().getAttribute(Telemetry.SERVICE_NAME))
                    .isEqualTo("shop-cdc");
        }
    }

    @Test
    void shouldUseThePersistentInstanceIdOverOneInTheResourceAttributes() {
        Map<String, String> settings = Map.of("otel.resource.attributes",
                "service.instance.id=somebody-else,deployment.environment.name=staging");
        try (Telemetry telemetry = Telemetry.start(ID, VERSION, settings, inMemory())) {
            emitSpanAndCounter(telemetry.openTelemetry());

            Resource resource = spans.getFinishedSpanItems().get(0).getResource();
            assertThat(resource.getAttribute(Telemetry.SERVICE_INSTANCE_ID)).isEqualTo(ID.id().toString());
            assertThat(resource.getAttribute(AttributeKey.stringKey("deployment.environment.name"))).isEqualTo("staging");
        }
    }

    @Test
    void shouldSayInOneLineWhatIsWrongWithInvalidSettings() {
        assertThatThrownBy(() -> Telemetry.start(ID, VERSION, Map.of("otel.traces.exporter", "carrier-pigeon"), null))
                .isInstanceOf(TelemetryConfigurationException.class)
                .hasMessageContaining("carrier-pigeon")
                .hasMessageContaining("OTEL_")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private Consumer<AutoConfiguredOpenTelemetrySdkBuilder> inMemory() {
        return b -> b
                .addTracerProviderCustomizer((t, c) -> t.addSpanProcessor(SimpleSpanProcessor.create(spans)))
                .addMeterProviderCustomizer((m, c) -> m.registerMetricReader(metrics));
    }

    private static void emitSpanAndCounter(OpenTelemetry openTelemetry) {
        openTelemetry.getTracer("test").spanBuilder("Probe").startSpan().end();
        openTelemetry.getMeter("test").counterBuilder("probes").build().add(1);
    }

    private static <T> T count(AtomicInteger counter, T exporter) {
        counter.incrementAndGet();
        return exporter;
    }
}
