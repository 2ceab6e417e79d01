package dev.mirrorflow.activities;

import dev.mirrorflow.activities.SlotWatch;
import static dev.mirrorflow.connector.TelemetryNames.MIRROR;
import static dev.mirrorflow.connector.TelemetryNames.TABLE;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Destination;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The telemetry of one run of a mirror's change stream: an {@code ApplyBatch} span and the
 * counters and histograms of each applied batch, and the slot's lag gauges. Called on the
 * activity's thread, so the spans are children of the activity's span.
 */
final class StreamTelemetry implements AutoCloseable {

    static final AttributeKey<Long> BATCH_ID = AttributeKey.longKey("mirrorflow.batch.id");
    static final AttributeKey<String> POSITION = AttributeKey.stringKey("mirrorflow.position");

    private final MirrorTelemetry telemetry;
    private final Tracer tracer;
    private final String mirror;
    private final Attributes mirrorAttributes;
    private final SlotWatch watch;

    StreamTelemetry(MirrorTelemetry telemetry, String mirror, SlotWatch watch) {
        this.telemetry = telemetry;
        this.tracer = telemetry.tracer();
        this.mirror = mirror;
        this.mirrorAttributes = Attributes.of(MIRROR, mirror);
        this.watch = watch;
    }

    /** While the stream waits for changes. */
    void tick() {
        watch.poll();
    }

    /**
     * A batch committed at the destination and acknowledged to the source.
     *
     * @param started when its apply began
     * @param ended when it was acknowledged
     */
    void batchApplied(ChangeBatch batch, Destination.ApplyResult result, Instant started, Instant ended) {
        watch.applied(batch.position());
        telemetry.batchSize.record(result.rowsApplied(), mirrorAttributes);
        telemetry.applyDuration.record(Duration.between(started, ended).toNanos() / 1e9, mirrorAttributes);
        if (telemetry.cdcRows.isEnabled() || telemetry.cdcBytes.isEnabled()) {
            // The destination counts a batch's row changes and value text lengths without telling
            // them apart by table; counting them here by source table gives the same totals.
            Map<String, long[]> byTable = new HashMap<>();
            for (Change change : batch.changes()) {
                if (change instanceof Change.Row row) {
                    long[] counts = byTable.computeIfAbsent(row.schema().id().toString(), t -> new long[2]);
                    counts[0]++;
                    for (Value value : row.values()) {
                        if (value instanceof Value.Text text) {
                            counts[1] += text.text().length();
                        }
                    }
                }
            }
            byTable.forEach((table, counts) -> {
                Attributes attributes = Attributes.of(MIRROR, mirror, TABLE, table);
                telemetry.cdcRows.add(counts[0], attributes);
                telemetry.cdcBytes.add(counts[1], attributes);
            });
        }
        if (tracer.isEnabled()) {
            tracer.spanBuilder("ApplyBatch")
                    .setStartTimestamp(started)
                    .setAttribute(MIRROR, mirror)
                    .setAttribute(BATCH_ID, batch.batchId())
                    .setAttribute(LoadTelemetry.ROWS, result.rowsApplied())
                    .setAttribute(LoadTelemetry.BYTES, result.bytesApplied())
                    .setAttribute(POSITION, batch.position())
                    .startSpan()
                    .end(ended);
        }
        watch.poll();
    }

    @Override
    public void close() {
        watch.close();
    }
}
