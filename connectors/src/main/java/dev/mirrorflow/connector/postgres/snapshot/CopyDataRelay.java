package dev.mirrorflow.connector.postgres.snapshot;

import java.io.IOException;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutor;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.core.VisibleBufferedInputStream;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.postgresql.util.PSQLState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a binary COPY from a source connection into a destination's {@code COPY ... FROM STDIN}
 * as the wire messages it arrives in: every row of a {@code COPY TO STDOUT} comes as one
 * CopyData message, and a sequence of CopyData messages is exactly what {@code COPY FROM STDIN}
 * takes, so the messages are forwarded byte for byte, gathered into chunks, without pgjdbc
 * taking each row apart (a {@code byte[]} per row, a lock, the copy state) and framing it again.
 * The JVM then does little more than read and write sockets, which keeps a cold worker (whose
 * JIT would compile pgjdbc's per-row path while it loads) about as fast as a warm one.
 *
 * <p>pgjdbc starts both copies and ends them ({@link CopyOut#readFromCopy()}, {@link
 * CopyIn#endCopy()}), so the protocol state stays its own; the relay only reads the CopyData
 * messages that wait in the source's input buffer (through the visible buffer pgjdbc reads
 * messages from) and writes them through the destination's output stream, which is what {@link
 * CopyIn#writeToCopy} does with the framing it adds. Any other message (an error, a notice, the
 * CopyDone at the end) is left for pgjdbc's own {@code readFromCopy}: after a notice the rows
 * go on, after CopyDone the copy is over, and an error is thrown as pgjdbc throws it. TLS and
 * GSS encryption sit below both streams.
 *
 * <p>The streams are pgjdbc's own fields, reached by reflection; a pgjdbc without them leaves
 * the relay unavailable ({@link #between} is empty, said once in the log) and the copier moves
 * rows through pgjdbc's copy API as before.
 */
final class CopyDataRelay {

    private static final Logger log = LoggerFactory.getLogger(CopyDataRelay.class);

    private static final byte COPY_DATA = 'd';
    private static final int HEADER = 5;

    private static final Field PG_STREAM;
    private static final Field PG_INPUT;

    static {
        Field stream = null;
        Field input = null;
        try {
            stream = QueryExecutorBase.class.getDeclaredField("pgStream");
            stream.setAccessible(true);
            input = PGStream.class.getDeclaredField("pgInput");
            input.setAccessible(true);
            if (!PGStream.class.isAssignableFrom(stream.getType())
                    || !VisibleBufferedInputStream.class.isAssignableFrom(input.getType())) {
                throw new NoSuchFieldException("pgjdbc's streams have other types");
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("copying load partitions through pgjdbc's copy API: its connection streams are not reachable"
                    + " in this pgjdbc ({})", e.toString());
            stream = null;
            input = null;
        }
        PG_STREAM = stream;
        PG_INPUT = input;
    }

    private final VisibleBufferedInputStream from;
    private final PGStream to;

    private CopyDataRelay(VisibleBufferedInputStream from, PGStream to) {
        this.from = from;
        this.to = to;
    }

    /** A relay between these two pgjdbc connections, or empty when pgjdbc's streams cannot be reached. */
    static Optional<CopyDataRelay> between(Connection source, Connection destination) {
        if (PG_STREAM == null) {
            return Optional.empty();
        }
        try {
            PGStream in = stream(source);
            PGStream out = stream(destination);
            if (in == null || out == null) {
                return Optional.empty();
            }
            return Optional.of(new CopyDataRelay((VisibleBufferedInputStream) PG_INPUT.get(in), out));
        } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static PGStream stream(Connection c) throws SQLException, IllegalAccessException {
        if (!c.isWrapperFor(BaseConnection.class)) {
            return null;
        }
        QueryExecutor executor = c.unwrap(BaseConnection.class).getQueryExecutor();
        return executor instanceof QueryExecutorBase ? (PGStream) PG_STREAM.get(executor) : null;
    }

    /** What a relay moved: the rows the destination counted and the rows' bytes. */
    record Moved(long rows, long bytes) {}

    /**
     * Forwards the source's rows into the destination until the source's copy ends, then ends
     * the destination's copy. Both copies must have been started on this relay's connections
     * and nothing read or written on them since.
     *
     * @param chunk where messages are gathered before they are written; a row larger than it is
     *     forwarded in pieces
     * @throws SQLException as pgjdbc throws it when either side reports an error (the
     *     destination's when it ends its copy), or a connection failure (08006) when a socket
     *     breaks; the caller then cancels what is still active
     */
    Moved relay(CopyOut out, CopyIn in, byte[] chunk) throws SQLException {
        long bytes = 0;
        int filled = 0;
        try {
            while (true) {
                if (!from.ensureBytes(HEADER)) {
                    throw new IOException("the source closed the connection during COPY");
                }
                byte[] buffer = from.getBuffer();
                int at = from.getIndex();
                if (buffer[at] != COPY_DATA) {
                    // pgjdbc's own handling: the next row after a notice, null at the end, or the error.
                    byte[] row = out.readFromCopy();
                    if (row == null) {
                        break;
                    }
                    if (filled + HEADER + row.length > chunk.length && filled > 0) {
                        to.send(chunk, 0, filled);
                        filled = 0;
                    }
                    to.sendChar(COPY_DATA);
                    to.sendInteger4(row.length + 4);
                    to.send(row);
                    bytes += row.length;
                    continue;
                }
                int length = ((buffer[at + 1] & 0xff) << 24) | ((buffer[at + 2] & 0xff) << 16)
                        | ((buffer[at + 3] & 0xff) << 8) | (buffer[at + 4] & 0xff);
                if (length < 4) {
                    throw new IOException("the source sent a CopyData message of length " + length);
                }
                int message = length + 1;
                bytes += length - 4;
                if (filled + message > chunk.length && filled > 0) {
                    to.send(chunk, 0, filled);
                    filled = 0;
                }
                if (message > chunk.length) {
                    forwardLarge(message, chunk);
                } else {
                    readFully(chunk, filled, message);
                    filled += message;
                }
            }
            if (filled > 0) {
                to.send(chunk, 0, filled);
            }
        } catch (IOException e) {
            throw new SQLException("the COPY between source and destination broke off: " + e.getMessage(),
                    PSQLState.CONNECTION_FAILURE.getState(), e);
        }
        return new Moved(in.endCopy(), bytes);
    }

    private void forwardLarge(int message, byte[] piece) throws IOException {
        int left = message;
        while (left > 0) {
            int n = Math.min(left, piece.length);
            readFully(piece, 0, n);
            to.send(piece, 0, n);
            left -= n;
        }
    }

    private void readFully(byte[] into, int offset, int length) throws IOException {
        int read = from.read(into, offset, length);
        if (read != length) {
            throw new IOException("the source closed the connection during COPY");
        }
    }
}
