package dev.mirrorflow.connector.postgres.destination;

import java.sql.SQLException;

/**
 * Writes rows in COPY's text format, UTF-8 encoded, in chunks to a {@link Sink}, so that a batch
 * of any size streams to the server without ever being one big string.
 *
 * <p>Values arrive in PostgreSQL's text output form, which COPY's text input reads back exactly
 * for every type, provided the COPY escaping is exact: a backslash, tab, newline and carriage
 * return in a value are written as {@code \\}, {@code \t}, {@code \n} and {@code \r}, and SQL
 * NULL as {@code \N}. Every other character is written as itself, so an empty string stays an
 * empty string and a value that reads {@code \N} arrives as the three characters it is.
 */
final class CopyTextWriter {

    /** Where the encoded bytes go; pgjdbc's {@code CopyIn.writeToCopy} in production. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] bytes, int length) throws SQLException;
    }

    private static final int CHUNK = 1 << 16;

    // The longest UTF-8 encoding of one UTF-16 char (a lone char of the Basic Multilingual Plane)
    // is 3 bytes, of a surrogate pair 4 bytes for 2 chars, and of an escape 2 bytes.
    private static final int MAX_BYTES_PER_CHAR = 3;

    private final Sink sink;
    private final byte[] buffer = new byte[CHUNK];
    private int length;
    private boolean firstInRow = true;
    private long bytesWritten;

    CopyTextWriter(Sink sink) {
        this.sink = sink;
    }

    /** Appends a value, escaped. */
    void text(String value) throws SQLException {
        separate();
        int chars = value.length();
        if ((long) chars * MAX_BYTES_PER_CHAR <= CHUNK - length) {
            encode(value, 0, chars);
            return;
        }
        // A value larger than what is left of the chunk is encoded in pieces; a piece never
        // ends between the two halves of a surrogate pair.
        int from = 0;
        while (from < chars) {
            if (CHUNK - length < 2 * MAX_BYTES_PER_CHAR) {
                flush();
            }
            int to = Math.min(chars, from + (CHUNK - length) / MAX_BYTES_PER_CHAR);
            if (to < chars && Character.isHighSurrogate(value.charAt(to - 1))) {
                to--;
            }
            encode(value, from, to);
            from = to;
        }
    }

    /** Appends an SQL NULL. */
    void nullValue() throws SQLException {
        separate();
        ensure(2);
        buffer[length++] = '\\';
        buffer[length++] = 'N';
    }

    /** Ends the current row. */
    void endRow() throws SQLException {
        ensure(1);
        buffer[length++] = '\n';
        firstInRow = true;
    }

    /** Sends what is buffered. */
    void flush() throws SQLException {
        if (length > 0) {
            sink.write(buffer, length);
            bytesWritten += length;
            length = 0;
        }
    }

    long bytesWritten() {
        return bytesWritten + length;
    }

    private void separate() throws SQLException {
        if (firstInRow) {
            firstInRow = false;
            return;
        }
        ensure(1);
        buffer[length++] = '\t';
    }

    private void ensure(int bytes) throws SQLException {
        if (CHUNK - length < bytes) {
            flush();
        }
    }

    /** Encodes chars {@code [from, to)}; the caller made room for 3 bytes per char. */
    private void encode(String value, int from, int to) {
        byte[] out = buffer;
        int at = length;
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case '\\' -> { out[at++] = '\\'; out[at++] = '\\'; }
                    case '\t' -> { out[at++] = '\\'; out[at++] = 't'; }
                    case '\n' -> { out[at++] = '\\'; out[at++] = 'n'; }
                    case '\r' -> { out[at++] = '\\'; out[at++] = 'r'; }
                    default -> out[at++] = (byte) c;
                }
            } else if (c < 0x800) {
                out[at++] = (byte) (0xC0 | c >> 6);
                out[at++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(value.charAt(i + 1))) {
                int code = Character.toCodePoint(c, value.charAt(++i));
                out[at++] = (byte) (0xF0 | code >> 18);
                out[at++] = (byte) (0x80 | code >> 12 & 0x3F);
                out[at++] = (byte) (0x80 | code >> 6 & 0x3F);
                out[at++] = (byte) (0x80 | code & 0x3F);
            } else if (Character.isSurrogate(c)) {
                // Text decoded from PostgreSQL's UTF-8 never holds a lone surrogate, so one here
                // means the value was damaged on the way; storing a replacement would hide that.
                throw new IllegalArgumentException("a value holds a lone UTF-16 surrogate (U+"
                        + Integer.toHexString(c).toUpperCase() + " at index " + i + "), which has no UTF-8 form");
            } else {
                out[at++] = (byte) (0xE0 | c >> 12);
                out[at++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[at++] = (byte) (0x80 | c & 0x3F);
            }
        }
        length = at;
    }
}
