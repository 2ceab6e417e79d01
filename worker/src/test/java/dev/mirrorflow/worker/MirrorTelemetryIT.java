package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One mirror run (initial load, then changes through the stream) on the real Temporal dev server
 * and real PostgreSQL, with a worker whose telemetry exports into memory: the workflow, its
 * activities, every partition and batch are spans, the metrics have the mirror's figures, and all
 * of it carries the worker's persistent instance id.
 */
class MirrorTelemetryIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final AttributeKey<String> MIRROR = AttributeKey.stringKey("mirrorflow.mirror");
    private static final AttributeKey<String> TABLE = AttributeKey.stringKey("mirrorflow.table");

    @TempDir
    static Path state;

    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private static final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private static final dev.mirrorflow.telemetry.PrometheusText prometheus = new dev.mirrorflow.telemetry.PrometheusText();
    private static MirrorTestBed bed;
    private static WorkerRuntime worker;

    @BeforeAll
    static void environment() throws Exception {
        bed = new MirrorTestBed(state);
        // The production path builds the SDK and its resource; the test only adds where it goes.
        worker = WorkerRuntime.start(bed.catalogDb.catalogConfig(),
                new TemporalConnection.Settings(MirrorTestBed.TEMPORAL, MirrorTestBed.NAMESPACE, bed.queue), state,
                id -> Telemetry.start(id, BuildInfo.version(), Map.of(), autoconfigure -> autoconfigure
                        .addTracerProviderCustomizer((tracing, config) ->
                                tracing.addSpanProcessor(SimpleSpanProcessor.create(spans)))
                        .addMeterProviderCustomizer((meters, config) -> meters.registerMetricReader(metrics)
                                .registerMetricReader(prometheus))));
    }

    @AfterAll
    static void teardown() {
        if (worker != null) {
            worker.close();
        }
        bed.close();
    }

    @Test
    void shouldTraceAndMeasureOneMirrorRunWithTheWorkersInstanceId() throws Exception {
        String name = "otel_" + ScratchDatabase.randomSuffix();
        String table = name + "_orders";
        bed.source.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, qty int NOT NULL, note text)",
                "INSERT INTO " + table + " SELECT g, g, md5(g::text) FROM generate_series(1, 3000) g",
                "ANALYZE " + table);
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                batchSize: 100
                idleTimeout: 200ms
                snapshot:
                  rowsPerPartition: 1000
                  parallelism: 2
                """.formatted(name, table)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, TIMEOUT);
        bed.source.execute("INSERT INTO " + table + " SELECT g, g, 'new' FROM generate_series(3001, 3250) g",
                "UPDATE " + table + " SET qty = qty + 1 WHERE id % 10 = 0",
                "DELETE FROM " + table + " WHERE id % 97 = 0");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, table)).isEqualTo(checksum(bed.source, table));

        // The lag gauges are fed by the running stream once a reader has collected them.
        String instanceId = worker.instanceId().id().toString();
        AtomicReference<Collection<MetricData>> collected = new AtomicReference<>();
        MirrorTestBed.await("replication lag gauges of " + name, TIMEOUT, () -> {
            collected.set(metrics.collectAllMetrics());
            return longGauge(collected.get(), "mirrorflow.replication.lag.wal", name).isPresent()
                    && doubleGauge(collected.get(), "mirrorflow.replication.lag.time", name).isPresent()
                    && longGauge(collected.get(), "mirrorflow.slot.retained_wal", name).isPresent();
        });
        Collection<MetricData> m = collected.get();
        assertThat(m).allSatisfy(metric -> assertThat(metric.getResource().getAttribute(Telemetry.SERVICE_INSTANCE_ID))
                .as(metric.getName()).isEqualTo(instanceId));
        assertThat(m).allSatisfy(metric -> assertThat(metric.getResource().getAttribute(Telemetry.SERVICE_NAME))
                .isEqualTo("mirrorflow"));

        long changes = 250 + 325 /* updated: 3250 / 10 */ + 33 /* deleted: 3250 / 97 */;
        assertThat(longSum(m, "mirrorflow.cdc.rows", a -> name.equals(a.get(MIRROR))
                && ("public." + table).equals(a.get(TABLE)))).isEqualTo(changes);
        assertThat(longSum(m, "mirrorflow.cdc.bytes", a -> name.equals(a.get(MIRROR)))).isPositive();
        assertThat(histogramCount(m, "mirrorflow.cdc.batch.size", name)).isGreaterThanOrEqualTo(changes / 100);
        assertThat(histogramCount(m, "mirrorflow.cdc.apply.duration", name))
                .isEqualTo(histogramCount(m, "mirrorflow.cdc.batch.size", name));
        assertThat(longSum(m, "mirrorflow.snapshot.partitions", a -> name.equals(a.get(MIRROR))
                && ("public." + table).equals(a.get(TABLE)))).isGreaterThanOrEqualTo(2);
        assertThat(longSum(m, "mirrorflow.snapshot.rows", a -> name.equals(a.get(MIRROR)))).isEqualTo(3000);
        assertThat(longSum(m, "mirrorflow.slot.acquisition.attempts", a -> name.equals(a.get(MIRROR))))
                .isGreaterThanOrEqualTo(2); // the load and the stream each acquire the slot
        // Caught up: the lag in time is about the probe interval, not the age of the mirror.
        assertThat(longGauge(m, "mirrorflow.replication.lag.wal", name).orElseThrow()).isNotNegative();
        assertThat(doubleGauge(m, "mirrorflow.replication.lag.time", name).orElseThrow()).isBetween(0.0, 30.0);
        assertThat(longGauge(m, "mirrorflow.slot.retained_wal", name).orElseThrow()).isNotNegative();

        // The same meters as a Prometheus scrape of /metrics reads them.
        String scraped = prometheus.scrape();
        java.util.List<String> lines = scraped.lines().toList();
        assertThat(lines).contains("# TYPE mirrorflow_cdc_rows counter");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("mirrorflow_cdc_rows_total{")
                .contains("mirrorflow_mirror=\"" + name + "\"").contains("mirrorflow_table=\"public." + table + "\"")
                .endsWith("} " + changes));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("mirrorflow_replication_lag_wal{")
                .contains("mirrorflow_mirror=\"" + name + "\"").matches(".*\\} \\d+"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("mirrorflow_cdc_apply_duration_bucket{")
                .contains("mirrorflow_mirror=\"" + name + "\"").contains("le=\"+Inf\"")
                .matches(".*\\} [1-9]\\d*"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("target_info{")
                .contains("service_instance_id=\"" + instanceId + "\"").endsWith("} 1"));

        // Dropping ends the workflow, and with it the spans of its run and of the stream.
        bed.ok("mirror", "drop", name, "--timeout", "60s");
        MirrorTestBed.await("the workflow's span", TIMEOUT,
                () -> span(s -> s.getName().equals("RunWorkflow:Mirror") && name.equals(s.getAttributes().get(MIRROR)))
                        .isPresent());
        List<SpanData> all = spans.getFinishedSpanItems();
        assertThat(all).allSatisfy(s -> assertThat(s.getResource().getAttribute(Telemetry.SERVICE_INSTANCE_ID))
                .as(s.getName()).isEqualTo(instanceId));
        // The worker's warm-up at its start (a replayed first task of a made-up mirror) is no
        // workflow anybody ran: it has no spans.
        assertThat(all).noneSatisfy(s -> assertThat(s.getAttributes().asMap().values().toString())
                .contains(WorkerWarmUp.WORKFLOW_ID));

        SpanData load = span(s -> s.getName().equals("RunActivity:LoadSnapshot") && mirror(s, name)).orElseThrow();
        SpanData stream = span(s -> s.getName().equals("RunActivity:StreamChanges") && mirror(s, name)).orElseThrow();
        assertThat(span(s -> s.getName().equals("RunActivity:SetUpMirror") && mirror(s, name))).isPresent();
        assertThat(span(s -> s.getName().equals("StartActivity:StreamChanges") && mirror(s, name))).isPresent();

        List<SpanData> partitions = all.stream().filter(s -> s.getName().equals("CopyPartition") && mirror(s, name))
                .toList();
        assertThat(partitions).hasSizeGreaterThanOrEqualTo(2).allSatisfy(p -> {
            assertThat(p.getParentSpanId()).isEqualTo(load.getSpanId());
            assertThat(p.getTraceId()).isEqualTo(load.getTraceId());
            assertThat(p.getAttributes().get(TABLE)).isEqualTo("public." + table);
            assertThat(p.getAttributes().get(AttributeKey.longKey("mirrorflow.partition"))).isNotNull();
            assertThat(p.getEndEpochNanos()).isGreaterThan(p.getStartEpochNanos());
        });
        assertThat(partitions.stream().mapToLong(p -> p.getAttributes().get(AttributeKey.longKey("mirrorflow.rows")))
                .sum()).isEqualTo(3000);

        List<SpanData> batches = all.stream().filter(s -> s.getName().equals("ApplyBatch") && mirror(s, name)).toList();
        assertThat(batches).isNotEmpty().allSatisfy(b -> {
            assertThat(b.getParentSpanId()).isEqualTo(stream.getSpanId());
            assertThat(b.getAttributes().get(AttributeKey.longKey("mirrorflow.batch.id"))).isNotNull();
            assertThat(b.getAttributes().get(AttributeKey.stringKey("mirrorflow.position"))).matches("[0-9A-F]+/[0-9A-F]+");
        });
        assertThat(batches.stream().mapToLong(b -> b.getAttributes().get(AttributeKey.longKey("mirrorflow.rows")))
                .sum()).isEqualTo(changes);
    }

    private static boolean mirror(SpanData span, String name) {
        return name.equals(span.getAttributes().get(MIRROR));
    }

    private static Optional<SpanData> span(Predicate<SpanData> which) {
        return spans.getFinishedSpanItems().stream().filter(which).findFirst();
    }

    private static Optional<MetricData> metric(Collection<MetricData> all, String name) {
        return all.stream().filter(m -> m.getName().equals(name)).findFirst();
    }

    /** The gauge value of one mirror, if the collection had one. */
    private static Optional<Long> longGauge(Collection<MetricData> all, String metric, String mirror) {
        return metric(all, metric).flatMap(m -> m.getLongGaugeData().getPoints().stream()
                .filter(p -> mirror.equals(p.getAttributes().get(MIRROR))).map(LongPointData::getValue).findFirst());
    }

    private static Optional<Double> doubleGauge(Collection<MetricData> all, String metric, String mirror) {
        return metric(all, metric).flatMap(m -> m.getDoubleGaugeData().getPoints().stream()
                .filter(p -> mirror.equals(p.getAttributes().get(MIRROR))).map(DoublePointData::getValue).findFirst());
    }

    private static long longSum(Collection<MetricData> all, String metric, Predicate<Attributes> which) {
        return metric(all, metric).map(m -> m.getLongSumData().getPoints().stream()
                .filter(p -> which.test(p.getAttributes())).mapToLong(p -> p.getValue()).sum()).orElse(0L);
    }

    private static long histogramCount(Collection<MetricData> all, String metric, String mirror) {
        return metric(all, metric).map(m -> m.getHistogramData().getPoints().stream()
                .filter(p -> mirror.equals(p.getAttributes().get(MIRROR))).mapToLong(p -> p.getCount()).sum())
                .orElse(0L);
    }
}
