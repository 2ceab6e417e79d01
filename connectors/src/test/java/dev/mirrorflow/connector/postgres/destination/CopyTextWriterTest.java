package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopyTextWriterTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Integer> chunks = new ArrayList<>();
    private final CopyTextWriter writer = new CopyTextWriter((bytes, length) -> {
        chunks.add(length);
        out.write(bytes, 0, length);
    });

    private String written() throws SQLException {
        writer.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldEscapeBackslashTabNewlineAndCarriageReturn() throws SQLException {
        writer.text("a\\b\tc\nd\re");
        writer.endRow();

        assertThat(written()).isEqualTo("a\\\\b\\tc\\nd\\re\n");
    }

    @Test
    void shouldTellEmptyStringFromNullAndFromTheTextBackslashN() throws SQLException {
        writer.text("");
        writer.nullValue();
        writer.text("\\N");
        writer.endRow();

        assertThat(written()).isEqualTo("\t\\N\t\\\\N\n");
    }

    @Test
    void shouldSeparateColumnsWithTabsAndRowsWithNewlines() throws SQLException {
        writer.text("1");
        writer.text("x");
        writer.endRow();
        writer.nullValue();
        writer.text("y");
        writer.endRow();

        assertThat(written()).isEqualTo("1\tx\n\\N\ty\n");
    }

    @Test
    void shouldWriteQuotesAndOtherPunctuationAsThemselves() throws SQLException {
        writer.text("'\"{},.\\.");
        writer.endRow();

        assertThat(written()).isEqualTo("'\"{},.\\\\.\n");
    }

    @Test
    void shouldEncodeUnicodeAsUtf8IncludingCharactersOutsideTheBasicPlane() throws SQLException {
        String text = "é ü € 漢字 😀 𝄞";
        writer.text(text);
        writer.endRow();

        assertThat(out.size()).isZero();
        assertThat(written()).isEqualTo(text + "\n");
    }

    @Test
    void shouldStreamAValueLargerThanOneChunkInSeveralChunksWithoutSplittingSurrogatePairs() throws SQLException {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            big.append(i % 7 == 0 ? "😀" : i % 5 == 0 ? "\t" : "ab");
        }
        writer.text("head");
        writer.text(big.toString());
        writer.endRow();

        String expected = "head\t" + big.toString().replace("\t", "\\t") + "\n";
        assertThat(written()).isEqualTo(expected);
        assertThat(chunks).hasSizeGreaterThan(3).allSatisfy(length -> assertThat(length).isLessThanOrEqualTo(1 << 16));
    }

    @Test
    void shouldRefuseALoneSurrogateRatherThanStoreSomethingElse() {
        assertThatThrownBy(() -> writer.text("a\uD83Db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lone UTF-16 surrogate");
    }

    @Test
    void shouldQuoteEveryElementOfABaseKeyArray() {
        assertThat(BatchApplier.arrayLiteral(List.of("1", "a\"b", "c\\d", "NULL", "")))
                .isEqualTo("{\"1\",\"a\\\"b\",\"c\\\\d\",\"NULL\",\"\"}");
    }
}
