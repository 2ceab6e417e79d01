package dev.mirrorflow.connector.postgres.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-built messages for what a healthy server does not send: unknown types, truncated and
 * malformed bytes. Every failure must name the message type and stop before the handler runs.
 */
class PgOutputDecoderMalformedInputTest {

    private final PgOutputDecoder decoder = new PgOutputDecoder();
    private final RecordingHandler handler = new RecordingHandler();

    @Test
    void shouldRejectUnknownMessageTypeNamingTheByte() {
        assertThatThrownBy(() -> decode(new Bytes().int8('Z').int32(1)))
                .isInstanceOf(PgOutputDecodingException.class)
                .hasMessage("Unknown pgoutput message type 'Z' (0x5A); expected one of B, C, O, R, Y, I, U, D, T, M, S, E, c, A");
        assertThatThrownBy(() -> decode(new Bytes().int8(0x00)))
                .hasMessageStartingWith("Unknown pgoutput message type 0x00;");
        assertThat(handler.messages).isEmpty();
    }

    @Test
    void shouldRejectTwoPhaseMessagesOfProtocolThreeAsUnsupported() {
        assertThatThrownBy(() -> decode(new Bytes().int8('b')))
                .isInstanceOf(PgOutputDecodingException.class)
                .hasMessageContaining("'b' (0x62)")
                .hasMessageContaining("two-phase")
                .hasMessageContaining("proto_version 1 or 2");
    }

    @Test
    void shouldRejectEmptyMessage() {
        assertThatThrownBy(() -> decode(new Bytes()))
                .isInstanceOf(PgOutputDecodingException.class)
                .hasMessageContaining("Empty pgoutput message");
    }

    @Test
    void shouldNameMessageTypeAndFieldWhenTruncated() {
        Bytes commit = new Bytes().int8('C').int8(0).int64(0x100).int32(0);

        assertThatThrownBy(() -> decode(commit))
                .isInstanceOf(PgOutputDecodingException.class)
                .hasMessage("Truncated pgoutput Commit ('C') message (14 bytes): the end LSN needs 8 bytes"
                        + " at offset 10 but only 4 remain");
        assertThat(handler.messages).isEmpty();
    }

    @Test
    void shouldNameMessageTypeWhenTupleValueIsCutShort() {
        Bytes insert = new Bytes().int8('I').int32(16384).int8('N').int16(1).int8('t').int32(10).text("abc");

        assertThatThrownBy(() -> decode(insert))
                .isInstanceOf(PgOutputDecodingException.class)
                .hasMessageStartingWith("Truncated pgoutput Insert ('I') message")
                .hasMessageContaining("the text value needs 10 bytes at offset 13 but only 3 remain");
    }

    @Test
    void shouldRejectStringWithoutTerminator() {
        Bytes relation = new Bytes().int8('R').int32(16384).text("public");

        assertThatThrownBy(() -> decode(relation))
                .hasMessage("Truncated pgoutput Relation ('R') message (11 bytes): the namespace starting at"
                        + " offset 5 has no terminating NUL byte");
    }

    @Test
    void shouldRejectUnknownColumnKind() {
        Bytes insert = new Bytes().int8('I').int32(16384).int8('N').int16(2).int8('n').int8('x');

        assertThatThrownBy(() -> decode(insert))
                .hasMessage("Malformed pgoutput Insert ('I') message: unknown kind 'x' (0x78) for column 1 at"
                        + " offset 9; expected 'n', 'u', 't' or 'b'");
    }

    @Test
    void shouldRejectNegativeLength() {
        Bytes insert = new Bytes().int8('I').int32(16384).int8('N').int16(1).int8('t').int32(-1);

        assertThatThrownBy(() -> decode(insert))
                .hasMessage("Malformed pgoutput Insert ('I') message: the column length at offset 9 is negative (-1)");
    }

    @Test
    void shouldRejectTextThatIsNotUtf8RatherThanReplaceIt() {
        Bytes insert = new Bytes().int8('I').int32(16384).int8('N').int16(1).int8('t').int32(2).int8(0xC3).int8(0x28);

        assertThatThrownBy(() -> decode(insert))
                .hasMessageContaining("Insert ('I')")
                .hasMessageContaining("the text value at offset 13 is not valid UTF-8");
    }

    @Test
    void shouldRejectTrailingBytesBeforeTheHandlerRuns() {
        Bytes begin = new Bytes().int8('B').int64(0x100).int64(0).int32(42).int8(7);

        assertThatThrownBy(() -> decode(begin))
                .hasMessageStartingWith("Malformed pgoutput Begin ('B') message: 1 unexpected bytes after the last"
                        + " field at offset 21");
        assertThat(handler.messages).isEmpty();
    }

    @Test
    void shouldRejectUpdateWithoutNewTuple() {
        Bytes update = new Bytes().int8('U').int32(16384).int8('K').int16(0).int8('K');

        assertThatThrownBy(() -> decode(update))
                .hasMessage("Malformed pgoutput Update ('U') message: expected 'K', 'O' or 'N' at offset 8 but"
                        + " found 'K' (0x4B)");
    }

    @Test
    void shouldRejectStreamStopWithoutStreamStart() {
        assertThatThrownBy(() -> decode(new Bytes().int8('E')))
                .hasMessageContaining("Stream Stop ('E')")
                .hasMessageContaining("without a preceding Stream Start");
    }

    @Test
    void shouldReadTransactionIdOnlyInsideStreamBlocks() {
        decode(new Bytes().int8('S').int32(0xFFFFFFF0).int8(1));
        decode(new Bytes().int8('I').int32(0xFFFFFFF1).int32(16384).int8('N').int16(0));
        decode(new Bytes().int8('E'));
        decode(new Bytes().int8('I').int32(16384).int8('N').int16(0));

        TupleData empty = new TupleData(List.of());
        assertThat(handler.messages).containsExactly(
                new StreamStartMessage(0xFFFFFFF0L, true),
                new InsertMessage(0xFFFFFFF1L, 16384, empty),
                new StreamStopMessage(),
                new InsertMessage(0, 16384, empty));
    }

    @Test
    void shouldConvertMicrosecondsSince2000ToInstants() {
        decode(new Bytes().int8('B').int64(0x16B374D848L).int64(0).int32(0xFFFFFFFF));
        decode(new Bytes().int8('B').int64(1).int64(-1).int32(1));

        assertThat(handler.messages).containsExactly(
                new BeginMessage(Lsn.valueOf("16/B374D848"), Instant.parse("2000-01-01T00:00:00Z"), 0xFFFFFFFFL),
                new BeginMessage(Lsn.valueOf(1), Instant.parse("1999-12-31T23:59:59.999999Z"), 1));
    }

    private void decode(Bytes message) {
        decoder.decode(ByteBuffer.wrap(message.out.toByteArray()), handler);
    }

    /** Writes protocol fields in network byte order. */
    private static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes int8(int value) {
            out.write(value);
            return this;
        }

        Bytes int16(int value) {
            out.writeBytes(ByteBuffer.allocate(2).putShort((short) value).array());
            return this;
        }

        Bytes int32(int value) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
            return this;
        }

        Bytes int64(long value) {
            out.writeBytes(ByteBuffer.allocate(8).putLong(value).array());
            return this;
        }

        Bytes text(String value) {
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            return this;
        }
    }
}
