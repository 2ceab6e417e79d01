package dev.mirrorflow.connector.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class EnumValuesTest {

    private static final Set<String> LABELS = Set.of("happy", "very sad", "NULL", "a,b", "say \"hi\"", "{x}");

    @Test
    void shouldKnowAScalarLabelExactly() {
        assertThat(EnumValues.allKnown("happy", LABELS, false)).isTrue();
        assertThat(EnumValues.allKnown("{x}", LABELS, false)).isTrue();
        assertThat(EnumValues.allKnown("ecstatic", LABELS, false)).isFalse();
        assertThat(EnumValues.allKnown("Happy", LABELS, false)).isFalse();
    }

    @Test
    void shouldCheckEveryElementOfAnArray() {
        assertThat(EnumValues.allKnown("{happy,\"very sad\"}", LABELS, true)).isTrue();
        assertThat(EnumValues.allKnown("{happy,ecstatic}", LABELS, true)).isFalse();
        assertThat(EnumValues.allKnown("{}", LABELS, true)).isTrue();
    }

    @Test
    void shouldReadQuotedElementsNullsAndEscapesAsPostgresWritesThem() {
        assertThat(EnumValues.allKnown("{NULL,happy}", Set.of("happy"), true)).isTrue();
        assertThat(EnumValues.allKnown("{\"NULL\"}", Set.of("happy"), true)).isFalse();
        assertThat(EnumValues.allKnown("{\"NULL\",\"a,b\",\"say \\\"hi\\\"\",\"{x}\"}", LABELS, true)).isTrue();
        assertThat(EnumValues.allKnown("{\"a,c\"}", LABELS, true)).isFalse();
    }

    @Test
    void shouldReadMultiDimensionalArraysAndLowerBounds() {
        assertThat(EnumValues.allKnown("{{happy,\"very sad\"},{happy,happy}}", LABELS, true)).isTrue();
        assertThat(EnumValues.allKnown("{{happy},{ecstatic}}", LABELS, true)).isFalse();
        assertThat(EnumValues.allKnown("[0:1]={happy,\"very sad\"}", LABELS, true)).isTrue();
        assertThat(EnumValues.allKnown("[0:1]={happy,ecstatic}", LABELS, true)).isFalse();
    }
}
