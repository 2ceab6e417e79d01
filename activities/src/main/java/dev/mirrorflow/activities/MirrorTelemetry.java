package dev.mirrorflow.activities;

import dev.mirrorflow.activities.ReplicationLag;
import dev.mirrorflow.activities.SlotWatch;
import static dev.mirrorflow.connector.TelemetryNames.MIRROR;
import static dev.mirrorflow.connector.TelemetryNames.SLOT;

import dev.mirrorflow.catalog.SnapshotPartitionRepository;
import dev.mirrorflow.connector.TelemetryNames;
import dev.mirrorflow.connector.PositionProbe;
import dev.mirrorflow.connector.load.SnapshotLoad;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The traces and metrics of mirrors on this worker, through the OpenTelemetry API only: with the
 * worker's telemetry off it is given {@link OpenTelemetry#noop()}, and every call costs next to
 * nothing and the slot probes never run.
 *
 * <p>Spans: {@code CopyPartition} for each finished snapshot partition and {@code ApplyBatch} for
 * each applied change batch, children of the activity's span when Temporal's tracing interceptor
 * made it current. Metrics (meter {@value TelemetryNames#SCOPE}), all with {@code
 * mirrorflow.mirror}:
 *
 * <ul>
 *   <li>{@code mirrorflow.cdc.rows} (and {@code mirrorflow.table}), {@code mirrorflow.cdc.bytes}:
 *       row changes and value bytes applied; the destination reports bytes per batch, not per table
 *   <li>{@code mirrorflow.cdc.batch.size}: row changes per batch; {@code
 *       mirrorflow.cdc.apply.duration}: seconds from the start of a batch's apply to its
 *       acknowledgement to the source
 *   <li>{@code mirrorflow.snapshot.partitions}, {@code .rows}, {@code .bytes} (and {@code
 *       mirrorflow.table}): partitions finished by the initial load and what they copied
 *   <li>{@code mirrorflow.replication.lag.wal}, {@code mirrorflow.replication.lag.time}, {@code
 *       mirrorflow.slot.retained_wal} (and {@code mirrorflow.slot}): gauges of the mirrors whose
 *       load or stream runs on this worker; see {@link ReplicationLag} for their definitions
 * </ul>
 */
public final class MirrorTelemetry {

    /** How often a running load or stream reads its slot's positions, at most. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);

    private final Tracer tracer;
    private final Duration probeInterval;

    final LongCounter cdcRows;
    final LongCounter cdcBytes;
    final LongHistogram batchSize;
    final DoubleHistogram applyDuration;
    final LongCounter partitionsDone;
    final LongCounter snapshotRows;
    final LongCounter snapshotBytes;

    private final Map<String, WatchedSlot> watched = new ConcurrentHashMap<>();
    private volatile boolean collected;

    public MirrorTelemetry(OpenTelemetry openTelemetry) {
        this(openTelemetry, PROBE_INTERVAL);
    }

    MirrorTelemetry(OpenTelemetry openTelemetry, Duration probeInterval) {
        this.tracer = openTelemetry.getTracer(TelemetryNames.SCOPE);
        this.probeInterval = probeInterval;
        Meter meter = openTelemetry.getMeter(TelemetryNames.SCOPE);
        cdcRows = meter.counterBuilder("mirrorflow.cdc.rows").setUnit("{row}")
                .setDescription("Row changes applied to the destination by the change stream").build();
        cdcBytes = meter.counterBuilder("mirrorflow.cdc.bytes").setUnit("By")
                .setDescription("Bytes of values applied to the destination by the change stream").build();
        batchSize = meter.histogramBuilder("mirrorflow.cdc.batch.size").ofLongs().setUnit("{row}")
                .setDescription("Row changes per applied batch")
                .setExplicitBucketBoundariesAdvice(List.of(1L, 10L, 100L, 500L, 1_000L, 5_000L, 10_000L, 50_000L,
                        100_000L))
                .build();
        applyDuration = meter.histogramBuilder("mirrorflow.cdc.apply.duration").setUnit("s")
                .setDescription("Time to apply a batch in one destination transaction and acknowledge it")
                .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                        10.0, 30.0, 60.0))
                .build();
        partitionsDone = meter.counterBuilder("mirrorflow.snapshot.partitions").setUnit("{partition}")
                .setDescription("Initial-load partitions finished").build();
        snapshotRows = meter.counterBuilder("mirrorflow.snapshot.rows").setUnit("{row}")
                .setDescription("Rows copied by the initial load").build();
        snapshotBytes = meter.counterBuilder("mirrorflow.snapshot.bytes").setUnit("By")
                .setDescription("Bytes of binary COPY data moved by the initial load").build();

        ObservableLongMeasurement lagWal = meter.gaugeBuilder("mirrorflow.replication.lag.wal").ofLongs()
                .setUnit("By")
                .setDescription("WAL the source wrote that the mirror's slot has not confirmed:"
                        + " pg_current_wal_lsn() - confirmed_flush_lsn")
                .buildObserver();
        ObservableDoubleMeasurement lagTime = meter.gaugeBuilder("mirrorflow.replication.lag.time").setUnit("s")
                .setDescription("Time since the newest moment whose source position the destination has applied")
                .buildObserver();
        ObservableLongMeasurement retained = meter.gaugeBuilder("mirrorflow.slot.retained_wal").ofLongs()
                .setUnit("By")
                .setDescription("WAL the source keeps for the mirror's slot: pg_current_wal_lsn() - restart_lsn")
                .buildObserver();
        // The callback runs only when a metric reader collects; a noop meter never calls it. The
        // slots are probed only once it has run, so with metrics off nobody queries the sources.
        meter.batchCallback(() -> {
            collected = true;
            Instant now = Instant.now();
            watched.forEach((mirror, slot) -> {
                if (slot.watchers.get() == 0) {
                    return;
                }
                Attributes attributes = Attributes.of(MIRROR, mirror, SLOT, slot.slot);
                slot.lag.unconfirmedBytes().ifPresent(b -> lagWal.record(b, attributes));
                slot.lag.retainedBytes().ifPresent(b -> retained.record(b, attributes));
                slot.lag.behind(now).ifPresent(d -> lagTime.record(d.toNanos() / 1e9, attributes));
            });
        }, lagWal, lagTime, retained);
    }

    public static MirrorTelemetry noop() {
        return new MirrorTelemetry(OpenTelemetry.noop());
    }

    Tracer tracer() {
        return tracer;
    }

    /** Instruments one run of a mirror's initial load; close it before the activity returns. */
    LoadTelemetry load(SnapshotLoad load, PositionProbe source, SnapshotPartitionRepository partitions) {
        return new LoadTelemetry(this, load, watch(load.mirrorName(), source), partitions);
    }

    /** Instruments one run of a mirror's change stream; close it before the activity returns. */
    StreamTelemetry stream(String mirror, PositionProbe source) {
        return new StreamTelemetry(this, mirror, watch(mirror, source));
    }

    /**
     * Forgets what is known about the mirror's lag: after a resync its destination starts over,
     * and after a drop there is nothing left to watch.
     */
    void forget(String mirror) {
        watched.computeIfPresent(mirror, (m, slot) -> slot.watchers.get() == 0 ? null : slot);
    }

    private SlotWatch watch(String mirror, PositionProbe source) {
        String slot = source.streamName();
        // Counted inside compute, so that a concurrent forget() cannot drop a slot just being watched.
        WatchedSlot state = watched.compute(mirror, (m, old) -> {
            WatchedSlot s = old != null && old.slot.equals(slot) ? old : new WatchedSlot(slot);
            s.watchers.incrementAndGet();
            return s;
        });
        return new SlotWatch(mirror, source, state.lag, probeInterval, () -> collected,
                state.watchers::decrementAndGet);
    }

    /** The lag of one mirror's slot, and how many running activities of this worker watch it. */
    private static final class WatchedSlot {
        final String slot;
        final ReplicationLag lag = new ReplicationLag();
        final AtomicInteger watchers = new AtomicInteger();

        WatchedSlot(String slot) {
            this.slot = slot;
        }
    }
}
