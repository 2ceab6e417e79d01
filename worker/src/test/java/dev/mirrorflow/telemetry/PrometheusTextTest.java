package dev.mirrorflow.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void shouldWriteCountersGaugesAndHistogramsInTheTextFormat() {
        PrometheusText reader = new PrometheusText();
        try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader)
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "mirrorflow",
                        AttributeKey.stringKey("host.name"), "left out")))
                .build()) {
            Meter meter = provider.get("test");
            Attributes quoted = Attributes.of(AttributeKey.stringKey("mirrorflow.mirror"), "a\"b\\c\nd");
            meter.counterBuilder("mirrorflow.cdc.rows").setDescription("Rows applied").build().add(7, quoted);
            meter.upDownCounterBuilder("mirrorflow.queue").build().add(-2);
            meter.gaugeBuilder("mirrorflow.lag.time").buildWithCallback(g -> g.record(0.25));
            meter.histogramBuilder("mirrorflow.batch").setExplicitBucketBoundariesAdvice(List.of(1.0, 10.0)).build()
                    .record(5);

            assertThat(reader.scrape()).isEqualTo("""
                    # TYPE target_info gauge
                    target_info{service_name="mirrorflow"} 1
                    # TYPE mirrorflow_batch histogram
                    mirrorflow_batch_bucket{le="1"} 0
                    mirrorflow_batch_bucket{le="10"} 1
                    mirrorflow_batch_bucket{le="+Inf"} 1
                    mirrorflow_batch_sum 5
                    mirrorflow_batch_count 1
                    # HELP mirrorflow_cdc_rows Rows applied
                    # TYPE mirrorflow_cdc_rows counter
                    mirrorflow_cdc_rows_total{mirrorflow_mirror="a\\"b\\\\c\\nd"} 7
                    # TYPE mirrorflow_lag_time gauge
                    mirrorflow_lag_time 0.25
                    # TYPE mirrorflow_queue gauge
                    mirrorflow_queue -2
                    """);
        }
    }

    @Test
    void shouldMakeNamesPrometheusTakes() {
        assertThat(PrometheusText.name("mirrorflow.slot.retained_wal")).isEqualTo("mirrorflow_slot_retained_wal");
        assertThat(PrometheusText.name("9lives-x")).isEqualTo("_lives_x");
    }
}
