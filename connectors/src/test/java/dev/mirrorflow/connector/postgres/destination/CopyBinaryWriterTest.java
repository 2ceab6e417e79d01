package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CopyBinaryWriterTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CopyBinaryWriter writer = new CopyBinaryWriter((bytes, length) -> out.write(bytes, 0, length),
            new boolean[] {false, true});

    @Test
    void shouldWriteTheHeaderEachValueByItsLengthJsonbAfterItsVersionAndTheTrailer() throws SQLException {
        writer.startRow();
        writer.text(0, "k\té");
        writer.text(1, "{\"a\": \"😀\"}");
        writer.startRow();
        writer.text(0, "");
        writer.nullValue();
        writer.finish();

        ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
        byte[] header = new byte[11];
        b.get(header);
        assertThat(header).isEqualTo("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(b.getInt()).as("flags").isZero();
        assertThat(b.getInt()).as("header extension").isZero();
        assertThat(b.getShort()).isEqualTo((short) 2);
        assertThat(value(b)).isEqualTo("k\té".getBytes(StandardCharsets.UTF_8));
        byte[] json = value(b);
        assertThat(json[0]).as("jsonb version").isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(json, 1, json.length)).isEqualTo("{\"a\": \"😀\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(b.getShort()).isEqualTo((short) 2);
        assertThat(value(b)).isEmpty();
        assertThat(b.getInt()).as("NULL").isEqualTo(-1);
        assertThat(b.getShort()).as("trailer").isEqualTo((short) -1);
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void shouldWriteAValueLargerThanAChunkWhole() throws SQLException {
        // 4-byte characters land on every chunk boundary of 64 KB.
        String large = "😀a".repeat(50_000);
        writer.startRow();
        writer.text(0, large);
        writer.nullValue();
        writer.finish();

        ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
        b.position(19);
        assertThat(b.getShort()).isEqualTo((short) 2);
        assertThat(new String(value(b), StandardCharsets.UTF_8)).isEqualTo(large);
    }

    @Test
    void shouldRefuseALoneSurrogate() {
        assertThatThrownBy(() -> {
            writer.startRow();
            writer.text(0, "a\uD800b");
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lone UTF-16 surrogate (U+D800");
    }

    private static byte[] value(ByteBuffer b) {
        byte[] value = new byte[b.getInt()];
        b.get(value);
        return value;
    }
}
