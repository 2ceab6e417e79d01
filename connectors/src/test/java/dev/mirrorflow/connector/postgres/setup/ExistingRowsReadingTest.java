package dev.mirrorflow.connector.postgres.setup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.ExistingRows;
import org.junit.jupiter.api.Test;

/** What existing rows read in an added column, from the catalog's missing value and default. */
class ExistingRowsReadingTest {

    @Test
    void shouldTakeTheMissingValueOfANonVolatileDefaultExactly() {
        assertThat(ExistingRowsReading.of("c", true, "{7}", true, "7")).isEqualTo(ExistingRows.value("7"));
        assertThat(ExistingRowsReading.of("c", true, "{\"2026-12-01 17:44:23.415385+00\"}", true, "now()"))
                .isEqualTo(ExistingRows.value("2026-12-01 17:44:23.415385+00"));
    }

    @Test
    void shouldUnquoteTheElementWhateverTheTypesDelimiter() {
        assertThat(ExistingRowsReading.onlyElement("{\"it's, \\\"q\\\" {x} \\\\\"}")).isEqualTo("it's, \"q\" {x} \\");
        assertThat(ExistingRowsReading.onlyElement("{(1,1),(0,0)}")).isEqualTo("(1,1),(0,0)");
        assertThat(ExistingRowsReading.onlyElement("{\"{1,2}\"}")).isEqualTo("{1,2}");
        assertThat(ExistingRowsReading.onlyElement("{\"NULL\"}")).isEqualTo("NULL");
        assertThat(ExistingRowsReading.onlyElement("{NULL}")).isNull();
    }

    @Test
    void shouldReadNullWithoutADefault() {
        assertThat(ExistingRowsReading.of("c", false, null, false, null)).isEqualTo(ExistingRows.NULL);
    }

    @Test
    void shouldNotKnowWhatRowsReadWhenADefaultHasNoMissingValue() {
        ExistingRows existing = ExistingRowsReading.of("score", false, null, true, "random()");
        assertThat(existing.kind()).isEqualTo(ExistingRows.Kind.UNKNOWN);
        assertThat(existing.reason()).contains("column score has default random()");
    }
}
