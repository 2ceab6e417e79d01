package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.PositionProbe;
import java.util.Optional;
import java.util.OptionalLong;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MirrorTelemetryTest {

    private static final AttributeKey<String> MIRROR = AttributeKey.stringKey("mirrorflow.mirror");
    private static final AttributeKey<String> TABLE = AttributeKey.stringKey("mirrorflow.table");
    private static final Instant STARTED = Instant.parse("2025-03-01T12:00:00Z");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .build();
    private final AtomicInteger sourceConnections = new AtomicInteger();
    /** A source that is down: the slot probe must live with it. */
    private final PositionProbe unreachableSource = new PositionProbe() {
        @Override
        public String streamName() {
            return "mirrorflow_shop";
        }

        @Override
        public Optional<Positions> read() throws SQLException {
            sourceConnections.incrementAndGet();
            throw new SQLException("Connection to 127.0.0.1:1 refused", "08001");
        }

        @Override
        public OptionalLong order(String position) {
            String[] parts = position.split("/");
            return OptionalLong.of((Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16));
        }

        @Override
        public void close() {}
    };

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    @Test
    void shouldGiveEachAppliedBatchASpanUnderTheActivityAndCountItsRowsAndBytesByTable() {
        MirrorTelemetry telemetry = new MirrorTelemetry(sdk);
        ChangeBatch batch = new ChangeBatch(42, List.of(row("orders"), row("orders"), row("customers")), "1A/2FB55B8");

        Span activity = sdk.getTracer("test").spanBuilder("RunActivity:StreamChanges").startSpan();
        try (Scope ignored = activity.makeCurrent();
                StreamTelemetry stream = telemetry.stream("shop", unreachableSource)) {
            stream.batchApplied(batch, new Destination.ApplyResult(3, 120), STARTED, STARTED.plusMillis(250));
        } finally {
            activity.end();
        }

        SpanData span = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("ApplyBatch"))
                .findFirst().orElseThrow();
        assertThat(span.getParentSpanId()).isEqualTo(activity.getSpanContext().getSpanId());
        assertThat(span.getStartEpochNanos()).isEqualTo(STARTED.toEpochMilli() * 1_000_000);
        assertThat(span.getEndEpochNanos() - span.getStartEpochNanos()).isEqualTo(250_000_000);
        assertThat(span.getAttributes().asMap()).containsEntry(MIRROR, "shop")
                .containsEntry(AttributeKey.longKey("mirrorflow.batch.id"), 42L)
                .containsEntry(AttributeKey.longKey("mirrorflow.rows"), 3L)
                .containsEntry(AttributeKey.longKey("mirrorflow.bytes"), 120L)
                .containsEntry(AttributeKey.stringKey("mirrorflow.position"), "1A/2FB55B8");

        Collection<MetricData> collected = metrics.collectAllMetrics();
        Map<String, Long> rowsByTable = metric(collected, "mirrorflow.cdc.rows").getLongSumData().getPoints().stream()
                .filter(p -> "shop".equals(p.getAttributes().get(MIRROR)))
                .collect(Collectors.toMap(p -> p.getAttributes().get(TABLE), p -> p.getValue()));
        assertThat(rowsByTable).containsExactlyInAnyOrderEntriesOf(Map.of("public.orders", 2L, "public.customers", 1L));
        // Bytes are the rows' value text lengths, by table (each test row holds the one-character "1").
        Map<String, Long> bytesByTable = metric(collected, "mirrorflow.cdc.bytes").getLongSumData().getPoints().stream()
                .filter(p -> "shop".equals(p.getAttributes().get(MIRROR)))
                .collect(Collectors.toMap(p -> p.getAttributes().get(TABLE), p -> p.getValue()));
        assertThat(bytesByTable).containsExactlyInAnyOrderEntriesOf(Map.of("public.orders", 2L, "public.customers", 1L));
        assertThat(metric(collected, "mirrorflow.cdc.batch.size").getHistogramData().getPoints())
                .singleElement().satisfies(p -> {
                    assertThat(p.getCount()).isEqualTo(1);
                    assertThat(p.getSum()).isEqualTo(3.0);
                });
        assertThat(metric(collected, "mirrorflow.cdc.apply.duration").getHistogramData().getPoints())
                .singleElement().satisfies(p -> assertThat(p.getSum()).isEqualTo(0.25));
    }

    @Test
    void shouldNotQueryTheSourceBeforeAMetricReaderHasCollectedTheLag() {
        MirrorTelemetry telemetry = new MirrorTelemetry(sdk, Duration.ofHours(1));
        try (StreamTelemetry stream = telemetry.stream("shop", unreachableSource)) {
            stream.tick();
            stream.tick();
            assertThat(sourceConnections).hasValue(0);

            metrics.collectAllMetrics();
            stream.tick();
            assertThat(sourceConnections).as("the first probe after a collection").hasValue(1);
            stream.tick();
            assertThat(sourceConnections).as("at most one probe per interval").hasValue(1);
        }
    }

    @Test
    void shouldKeepStreamingWhenTheSlotProbeFails() {
        MirrorTelemetry telemetry = new MirrorTelemetry(sdk, Duration.ZERO);
        metrics.collectAllMetrics();
        try (StreamTelemetry stream = telemetry.stream("shop", unreachableSource)) {
            for (int i = 0; i < 3; i++) {
                stream.tick();
            }
        }
        assertThat(sourceConnections).hasValue(3);
        // Without a successful probe there is no lag to report rather than a made-up one.
        assertThat(metrics.collectAllMetrics()).noneMatch(m -> m.getName().startsWith("mirrorflow.replication.lag"));
    }

    @Test
    void shouldDoNothingAtAllWithTheNoopApi() {
        MirrorTelemetry telemetry = MirrorTelemetry.noop();
        try (StreamTelemetry stream = telemetry.stream("shop", unreachableSource)) {
            for (int i = 0; i < 1000; i++) {
                stream.tick();
            }
            stream.batchApplied(new ChangeBatch(1, List.of(row("orders")), "0/10"), new Destination.ApplyResult(1, 10),
                    STARTED, STARTED.plusMillis(1));
        }
        assertThat(sourceConnections).hasValue(0);
        // What makes it cost nothing: the instruments it was given say they record nothing, so
        // it skips the span and the per-table counting altogether.
        assertThat(telemetry.tracer().isEnabled()).isFalse();
        assertThat(telemetry.cdcRows.isEnabled()).isFalse();
        assertThat(telemetry.cdcBytes.isEnabled()).isFalse();
    }

    @Test
    void shouldReportNothingToTheProcessWideOpenTelemetryWithTheNoopApi() {
        // Even where an SDK is installed for the whole process (a Java agent would do that), the
        // noop telemetry of a worker whose telemetry is off reports nothing to it.
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(sdk);
        try {
            MirrorTelemetry telemetry = MirrorTelemetry.noop();
            try (StreamTelemetry stream = telemetry.stream("shop", unreachableSource)) {
                stream.batchApplied(new ChangeBatch(1, List.of(row("orders")), "0/10"),
                        new Destination.ApplyResult(1, 10), STARTED, STARTED.plusMillis(1));
            }
        } finally {
            GlobalOpenTelemetry.resetForTest();
        }
        assertThat(spans.getFinishedSpanItems()).isEmpty();
        assertThat(metrics.collectAllMetrics()).noneMatch(m -> m.getName().startsWith("mirrorflow."));
    }

    private static Change.Row row(String table) {
        TableSchema schema = new TableSchema(new TableId("public", table),
                List.of(new ColumnSchema("id", "integer", false, 1)));
        return new Change.Row(schema, Change.Kind.INSERT, new Value[] {new Value.Text("1")}, null);
    }

    private static MetricData metric(Collection<MetricData> collected, String name) {
        return collected.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no metric " + name + " in " + collected));
    }
}
