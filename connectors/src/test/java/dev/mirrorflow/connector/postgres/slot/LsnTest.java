package dev.mirrorflow.connector.postgres.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LsnTest {

    @Test
    void shouldRoundTripPostgresTextForm() {
        Lsn lsn = Lsn.valueOf("16/B374D848");

        assertThat(lsn.asLong()).isEqualTo(0x16_B374D848L);
        assertThat(lsn).hasToString("16/B374D848");
        assertThat(Lsn.valueOf(lsn.toString())).isEqualTo(lsn);
        assertThat(Lsn.valueOf(lsn.asLong())).isEqualTo(lsn).hasSameHashCodeAs(lsn);
    }

    @Test
    void shouldPrintLikePostgresInUppercaseWithoutPadding() {
        assertThat(Lsn.valueOf(0x1_0000000AL)).hasToString("1/A");
        assertThat(Lsn.valueOf("0000016/00b374d8")).hasToString("16/B374D8");
        assertThat(Lsn.valueOf(-1L)).hasToString("FFFFFFFF/FFFFFFFF");
    }

    @Test
    void shouldOrderAcrossThe32BitBoundary() {
        Lsn endOfFirstSegment = Lsn.valueOf("0/FFFFFFFF");
        Lsn startOfSecond = Lsn.valueOf("1/0");

        assertThat(endOfFirstSegment).isLessThan(startOfSecond);
        assertThat(startOfSecond.asLong() - endOfFirstSegment.asLong()).isEqualTo(1);
    }

    @Test
    void shouldOrderAsUnsignedPastTheSignBit() {
        Lsn belowSignBit = Lsn.valueOf("7FFFFFFF/FFFFFFFF");
        Lsn atSignBit = Lsn.valueOf("80000000/0");
        Lsn highest = Lsn.valueOf("FFFFFFFF/FFFFFFFF");

        assertThat(atSignBit.asLong()).isNegative();
        assertThat(Stream.of(highest, Lsn.INVALID, atSignBit, belowSignBit).sorted())
                .containsExactly(Lsn.INVALID, belowSignBit, atSignBit, highest);
        assertThat(atSignBit).isGreaterThan(belowSignBit);
        assertThat(highest).isGreaterThan(atSignBit);
    }

    @Test
    void shouldTreatZeroAsInvalid() {
        assertThat(Lsn.INVALID.isValid()).isFalse();
        assertThat(Lsn.INVALID.asLong()).isZero();
        assertThat(Lsn.INVALID).hasToString("0/0");
        assertThat(Lsn.valueOf(0)).isSameAs(Lsn.INVALID);
        assertThat(Lsn.valueOf("0/0")).isSameAs(Lsn.INVALID);
        assertThat(Lsn.valueOf("0/1").isValid()).isTrue();
        assertThat(Lsn.INVALID).isLessThan(Lsn.valueOf(1));
    }

    @Test
    void shouldNotEqualOtherPositionsOrTypes() {
        assertThat(Lsn.valueOf("16/B374D848")).isNotEqualTo(Lsn.valueOf("16/B374D849")).isNotEqualTo("16/B374D848");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "16", "16/", "/B374D848", "1/2/3", "123456789/0", "0/123456789", "G/0", " 1/0",
            "1/0 ", "-1/0", "+1/0", "0x16/0"})
    void shouldRejectTextThatIsNotAnLsn(String text) {
        assertThatThrownBy(() -> Lsn.valueOf(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Not a PostgreSQL LSN: '" + text + "'; expected two hex numbers like 16/B374D848");
    }
}
