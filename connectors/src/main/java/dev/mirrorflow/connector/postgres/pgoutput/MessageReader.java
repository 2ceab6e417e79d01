package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.time.Instant;

/**
 * Reads the fields of one pgoutput message in network byte order, and turns every short or
 * malformed field into a {@link PgOutputDecodingException} that names the message type, the
 * field and the offset.
 */
final class MessageReader {

    // 2000-01-01T00:00:00Z, the epoch of Postgres timestamps, in Unix epoch seconds.
    private static final long POSTGRES_EPOCH_SECOND = 946_684_800L;

    private final ByteBuffer buffer;
    private final String messageName;
    private final CharsetDecoder utf8;

    /**
     * @param message the whole message, type byte included, with position just after the type
     *     byte; offsets in error messages count from the type byte
     * @param messageName the message type as the protocol documentation names it, for errors
     * @param utf8 a strict UTF-8 decoder; the caller owns it and uses it from one thread
     */
    MessageReader(ByteBuffer message, String messageName, CharsetDecoder utf8) {
        this.buffer = message;
        this.messageName = messageName;
        this.utf8 = utf8;
    }

    byte int8(String field) {
        require(Byte.BYTES, field);
        return buffer.get();
    }

    /** An Int16 read as unsigned, which is how Postgres sends column counts. */
    int uint16(String field) {
        require(Short.BYTES, field);
        return Short.toUnsignedInt(buffer.getShort());
    }

    int int32(String field) {
        require(Integer.BYTES, field);
        return buffer.getInt();
    }

    /** An Int32 read as unsigned, which is how Postgres sends transaction ids. */
    long uint32(String field) {
        return Integer.toUnsignedLong(int32(field));
    }

    /** An Int32 length or count, which must not be negative. */
    int count(String field) {
        int offset = buffer.position();
        int count = int32(field);
        if (count < 0) {
            throw malformed("the " + field + " at offset " + offset + " is negative (" + count + ")");
        }
        return count;
    }

    Lsn lsn(String field) {
        require(Long.BYTES, field);
        return Lsn.valueOf(buffer.getLong());
    }

    /** A TimestampTz: microseconds since 2000-01-01 UTC. */
    Instant timestamp(String field) {
        require(Long.BYTES, field);
        long micros = buffer.getLong();
        return Instant.ofEpochSecond(
                POSTGRES_EPOCH_SECOND + Math.floorDiv(micros, 1_000_000L),
                Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** A NUL-terminated string in the client encoding, which pgjdbc always sets to UTF-8. */
    String string(String field) {
        int start = buffer.position();
        int end = start;
        while (end < buffer.limit() && buffer.get(end) != 0) {
            end++;
        }
        if (end == buffer.limit()) {
            throw truncated("the " + field + " starting at offset " + start + " has no terminating NUL byte");
        }
        String value = utf8(end - start, field);
        buffer.get(); // The NUL terminator.
        return value;
    }

    /** {@code length} bytes of UTF-8 text. */
    String utf8(int length, String field) {
        require(length, field);
        int start = buffer.position();
        try {
            String value = utf8.decode(buffer.slice(start, length)).toString();
            buffer.position(start + length);
            return value;
        } catch (CharacterCodingException e) {
            // Replacing bad bytes would silently corrupt replicated data, so refuse instead.
            throw new PgOutputDecodingException(
                    "Malformed pgoutput " + messageName + " message: the " + field + " at offset " + start
                            + " is not valid UTF-8; the connection's client_encoding must be UTF8",
                    e);
        }
    }

    byte[] bytes(int length, String field) {
        require(length, field);
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }

    /**
     * Fails if bytes are left over: the message was then longer than this decoder understands,
     * which means the server speaks another protocol version and every field read may be wrong.
     */
    void expectEnd() {
        if (buffer.hasRemaining()) {
            throw malformed(buffer.remaining() + " unexpected bytes after the last field at offset "
                    + buffer.position() + "; was the slot started with a protocol version or option"
                    + " this decoder does not support?");
        }
    }

    PgOutputDecodingException malformed(String detail) {
        return new PgOutputDecodingException("Malformed pgoutput " + messageName + " message: " + detail);
    }

    int offset() {
        return buffer.position();
    }

    private void require(int length, String field) {
        if (buffer.remaining() < length) {
            throw truncated("the " + field + " needs " + length + " bytes at offset " + buffer.position()
                    + " but only " + buffer.remaining() + " remain");
        }
    }

    private PgOutputDecodingException truncated(String detail) {
        return new PgOutputDecodingException("Truncated pgoutput " + messageName + " message ("
                + buffer.limit() + " bytes): " + detail);
    }
}
