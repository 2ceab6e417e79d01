package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceException;
import dev.mirrorflow.connector.postgres.SourceUnavailableException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.TableId;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotAcquirerTelemetryTest {

    @Test
    void shouldCountAttemptsAndFailuresPerMirrorAndSlotWithTheErrorType() {
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        try (SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(metrics).build()) {
            SlotAcquirer acquirer = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics(),
                    meters.get("test"));
            MirrorSource source = MirrorSource.of("orders", List.of(new TableId("public", "orders")));
            // Nothing listens on port 1: the attempt fails at once, retryably.
            PostgresPeer nowhere = PostgresPeer.of("127.0.0.1", 1, "shop", "cdc", "secret");

            assertThatThrownBy(() -> acquirer.acquire(nowhere, source, 1)).isInstanceOfSatisfying(SourceException.class,
                    e -> assertThat(e.retryable()).isTrue());

            Collection<MetricData> collected = metrics.collectAllMetrics();
            Attributes slot = Attributes.of(AttributeKey.stringKey("mirrorflow.mirror"), "orders",
                    AttributeKey.stringKey("mirrorflow.slot"), "mirrorflow_orders");
            assertThat(points(collected, "mirrorflow.slot.acquisition.attempts")).singleElement()
                    .satisfies(p -> {
                        assertThat(p.getAttributes()).isEqualTo(slot);
                        assertThat(p.getValue()).isEqualTo(1);
                    });
            assertThat(points(collected, "mirrorflow.slot.acquisition.failures")).singleElement()
                    .satisfies(p -> {
                        assertThat(p.getAttributes().asMap()).containsAllEntriesOf(slot.asMap())
                                .containsEntry(AttributeKey.stringKey("error.type"), "SourceUnavailableException")
                                .containsEntry(AttributeKey.booleanKey("mirrorflow.retryable"), true);
                        assertThat(p.getValue()).isEqualTo(1);
                    });
            assertThat(acquirer.metrics().attempts()).isEqualTo(1);
            assertThat(acquirer.metrics().failures()).isEqualTo(1);
        }
    }

    private static Collection<io.opentelemetry.sdk.metrics.data.LongPointData> points(Collection<MetricData> collected,
            String name) {
        return collected.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name)).getLongSumData().getPoints();
    }
}
