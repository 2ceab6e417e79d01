package dev.mirrorflow.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

    @Test
    void shouldReadPostgresMemoryUnitsAsPowersOf1024InAnyCase() {
        assertThat(ByteSize.parse("100B")).isEqualTo(100);
        assertThat(ByteSize.parse("64kB")).isEqualTo(65_536);
        assertThat(ByteSize.parse("64KB")).isEqualTo(65_536);
        assertThat(ByteSize.parse("32MB")).isEqualTo(33_554_432);
        assertThat(ByteSize.parse(" 2 GB ")).isEqualTo(2_147_483_648L);
    }

    @Test
    void shouldRefuseANumberWithoutAUnitAFractionOrAnUnknownUnit() {
        for (String text : new String[] {"64", "1.5MB", "-1MB", "12TB", "MB", "", "99999999999MB"}) {
            assertThatThrownBy(() -> ByteSize.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a size");
        }
    }

    @Test
    void shouldWriteASizeInTheLargestUnitThatSaysItExactly() {
        assertThat(ByteSize.format(32L << 20)).isEqualTo("32MB");
        assertThat(ByteSize.format(1536L << 10)).isEqualTo("1536kB");
        assertThat(ByteSize.format(1L << 30)).isEqualTo("1GB");
        assertThat(ByteSize.format(100)).isEqualTo("100B");
        assertThat(ByteSize.format(0)).isEqualTo("0B");
        assertThat(ByteSize.parse(ByteSize.format(3L << 30))).isEqualTo(3L << 30);
    }
}
