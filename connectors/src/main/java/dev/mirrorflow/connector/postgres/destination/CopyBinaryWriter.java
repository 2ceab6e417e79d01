package dev.mirrorflow.connector.postgres.destination;

import java.sql.SQLException;

/**
 * Writes rows of {@code text}-like and {@code jsonb} columns in COPY's binary format, in chunks
 * to a {@link CopyTextWriter.Sink}. The server reads a binary value by its length instead of
 * scanning every byte for delimiters and escapes, which makes a load of large JSON documents
 * about a fifth cheaper for it than the text format ({@code bench/mongo.sh}).
 *
 * <p>A value is its UTF-8 bytes (the binary form of {@code text}, {@code varchar} and {@code
 * json}), for {@code jsonb} after the version byte 1; the server parses and checks it as it
 * would the same text. A lone UTF-16 surrogate is refused as {@link CopyTextWriter} refuses it.
 */
final class CopyBinaryWriter {

    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0,
        0, 0, 0, 0, 0, 0, 0, 0};
    private static final int CHUNK = 1 << 16;
    private static final byte JSONB_VERSION = 1;

    private final CopyTextWriter.Sink sink;
    private final boolean[] jsonb;
    private final byte[] buffer = new byte[CHUNK];
    private int length;
    private long bytesWritten;

    /** @param jsonb per column, whether it is a {@code jsonb} column */
    CopyBinaryWriter(CopyTextWriter.Sink sink, boolean[] jsonb) {
        this.sink = sink;
        this.jsonb = jsonb.clone();
        System.arraycopy(HEADER, 0, buffer, 0, HEADER.length);
        length = HEADER.length;
    }

    /** Starts a row of every column. */
    void startRow() throws SQLException {
        ensure(2);
        putShort(jsonb.length);
    }

    /** Appends the value of column {@code column}. */
    void text(int column, String value) throws SQLException {
        int bytes = utf8Length(value);
        boolean versioned = jsonb[column];
        ensure(5);
        putInt(bytes + (versioned ? 1 : 0));
        if (versioned) {
            buffer[length++] = JSONB_VERSION;
        }
        int chars = value.length();
        int from = 0;
        while (from < chars) {
            if (CHUNK - length < 8) {
                flush();
            }
            int to = Math.min(chars, from + (CHUNK - length) / 4);
            if (to < chars && Character.isHighSurrogate(value.charAt(to - 1))) {
                to--;
            }
            encode(value, from, to);
            from = to;
        }
    }

    /** Appends an SQL NULL. */
    void nullValue() throws SQLException {
        ensure(4);
        putInt(-1);
    }

    /** Ends the data and sends what is buffered. */
    void finish() throws SQLException {
        ensure(2);
        putShort(-1);
        flush();
    }

    long bytesWritten() {
        return bytesWritten + length;
    }

    private void flush() throws SQLException {
        if (length > 0) {
            sink.write(buffer, length);
            bytesWritten += length;
            length = 0;
        }
    }

    private void ensure(int bytes) throws SQLException {
        if (CHUNK - length < bytes) {
            flush();
        }
    }

    private void putShort(int value) {
        buffer[length++] = (byte) (value >> 8);
        buffer[length++] = (byte) value;
    }

    private void putInt(int value) {
        buffer[length++] = (byte) (value >> 24);
        buffer[length++] = (byte) (value >> 16);
        buffer[length++] = (byte) (value >> 8);
        buffer[length++] = (byte) value;
    }

    /** The length of the value's UTF-8 form; a lone surrogate has none. */
    private static int utf8Length(String value) {
        long bytes = 0;
        int chars = value.length();
        for (int i = 0; i < chars; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                // Text decoded from a source never holds a lone surrogate, so one here means the
                // value was damaged on the way; storing a replacement would hide that.
                throw new IllegalArgumentException("a value holds a lone UTF-16 surrogate (U+"
                        + Integer.toHexString(c).toUpperCase() + " at index " + i + "), which has no UTF-8 form");
            } else {
                bytes += 3;
            }
        }
        if (bytes > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("a value of " + bytes + " bytes is larger than COPY takes");
        }
        return (int) bytes;
    }

    /** Encodes chars {@code [from, to)}, which {@link #utf8Length} checked; the caller made room for 4 bytes per char. */
    private void encode(String value, int from, int to) {
        byte[] out = buffer;
        int at = length;
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                out[at++] = (byte) c;
            } else if (c < 0x800) {
                out[at++] = (byte) (0xC0 | c >> 6);
                out[at++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c)) {
                int code = Character.toCodePoint(c, value.charAt(++i));
                out[at++] = (byte) (0xF0 | code >> 18);
                out[at++] = (byte) (0x80 | code >> 12 & 0x3F);
                out[at++] = (byte) (0x80 | code >> 6 & 0x3F);
                out[at++] = (byte) (0x80 | code & 0x3F);
            } else {
                out[at++] = (byte) (0xE0 | c >> 12);
                out[at++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[at++] = (byte) (0x80 | c & 0x3F);
            }
        }
        length = at;
    }
}
