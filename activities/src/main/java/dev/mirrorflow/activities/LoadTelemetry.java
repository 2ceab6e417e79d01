package dev.mirrorflow.activities;

import dev.mirrorflow.activities.SlotWatch;
import static dev.mirrorflow.connector.TelemetryNames.MIRROR;
import static dev.mirrorflow.connector.TelemetryNames.TABLE;

import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.catalog.SnapshotPartitionRepository;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotProgress;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry of one run of a mirror's initial load: counts each finished partition, gives it a
 * {@code CopyPartition} span, and keeps the slot's lag gauges fed. Everything runs on the
 * activity's thread, from the loader's progress callback, so the spans are children of the
 * activity's span.
 *
 * <p>The loader reports a partition when it is done and does not say when it started; the
 * catalog does ({@code started_at}, set as the partition was taken). Rather than ask the catalog
 * about every partition, finished partitions wait here and get their spans in one catalog read at
 * most every {@link #SPAN_INTERVAL_NANOS}, and at the end of the run. With tracing off nothing
 * waits and nothing is read.
 */
final class LoadTelemetry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoadTelemetry.class);
    private static final long SPAN_INTERVAL_NANOS = 5_000_000_000L;

    static final AttributeKey<Long> PARTITION = AttributeKey.longKey("mirrorflow.partition");
    static final AttributeKey<Long> LOAD_GENERATION = AttributeKey.longKey("mirrorflow.load_generation");
    static final AttributeKey<String> HOW = AttributeKey.stringKey("mirrorflow.partition.how");
    static final AttributeKey<Long> ROWS = AttributeKey.longKey("mirrorflow.rows");
    static final AttributeKey<Long> BYTES = AttributeKey.longKey("mirrorflow.bytes");

    private record Finished(PartitionCopy copy, Instant at) {}

    private final MirrorTelemetry telemetry;
    private final Tracer tracer;
    private final SnapshotLoad load;
    private final SlotWatch watch;
    private final SnapshotPartitionRepository partitions;
    private final List<Finished> waiting = new ArrayList<>();
    private long lastSpans = System.nanoTime();

    LoadTelemetry(MirrorTelemetry telemetry, SnapshotLoad load, SlotWatch watch,
            SnapshotPartitionRepository partitions) {
        this.telemetry = telemetry;
        this.tracer = telemetry.tracer();
        this.load = load;
        this.watch = watch;
        this.partitions = partitions;
    }

    /** The loader's progress, on the activity's thread. */
    void onProgress(SnapshotProgress progress) {
        progress.lastPartition().ifPresent(this::finished);
        watch.poll();
        if (!waiting.isEmpty() && System.nanoTime() - lastSpans >= SPAN_INTERVAL_NANOS) {
            emitSpans();
        }
    }

    private void finished(PartitionCopy copy) {
        Attributes attributes = Attributes.of(MIRROR, load.mirrorName(), TABLE, copy.tableName());
        telemetry.partitionsDone.add(1, attributes);
        // A partition found already in the destination was copied by an earlier attempt, which
        // counted its rows then.
        if (copy.copied()) {
            telemetry.snapshotRows.add(copy.rows(), attributes);
            telemetry.snapshotBytes.add(copy.bytes(), attributes);
        }
        if (tracer.isEnabled()) {
            waiting.add(new Finished(copy, Instant.now()));
        }
    }

    private void emitSpans() {
        lastSpans = System.nanoTime();
        Map<String, Instant> started = new HashMap<>();
        try {
            for (SnapshotPartition p : partitions.list(load.mirrorId(), load.loadGeneration())) {
                if (p.startedAt() != null) {
                    started.put(key(p.tableName(), p.partitionNo()), p.startedAt());
                }
            }
        } catch (RuntimeException e) {
            // Without the catalog the spans still come, only without their duration.
            log.debug("{}: cannot read partition start times for their spans: {}", load, e.getMessage());
        }
        for (Finished f : waiting) {
            PartitionCopy copy = f.copy();
            Instant start = started.getOrDefault(key(copy.tableName(), copy.partitionNo()), f.at());
            Span span = tracer.spanBuilder("CopyPartition")
                    .setStartTimestamp(start.isAfter(f.at()) ? f.at() : start)
                    .setAttribute(MIRROR, load.mirrorName())
                    .setAttribute(TABLE, copy.tableName())
                    .setAttribute(PARTITION, (long) copy.partitionNo())
                    .setAttribute(LOAD_GENERATION, (long) load.loadGeneration())
                    .setAttribute(ROWS, copy.rows())
                    .setAttribute(BYTES, copy.bytes())
                    .setAttribute(HOW, copy.how().name().toLowerCase(Locale.ROOT))
                    .startSpan();
            span.end(f.at());
        }
        waiting.clear();
    }

    private static String key(String table, int partitionNo) {
        return table + "#" + partitionNo;
    }

    /** Gives the remaining partitions their spans; call on the activity's thread before it returns. */
    @Override
    public void close() {
        try {
            if (!waiting.isEmpty()) {
                emitSpans();
            }
        } finally {
            watch.close();
        }
    }
}
