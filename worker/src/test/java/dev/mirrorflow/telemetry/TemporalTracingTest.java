package dev.mirrorflow.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TemporalTracingTest {

    @Test
    void shouldTakeTheMirrorNameFromTheWorkflowIdOfAMirror() {
        assertThat(TemporalTracing.mirrorName("mirror/orders")).hasValue("orders");
    }

    @Test
    void shouldNameNoMirrorForOtherWorkflows() {
        assertThat(TemporalTracing.mirrorName("maintenance")).isEmpty();
        assertThat(TemporalTracing.mirrorName("ping-3f2a")).isEmpty();
        assertThat(TemporalTracing.mirrorName("mirror/")).isEmpty();
        assertThat(TemporalTracing.mirrorName(null)).isEmpty();
    }
}
