package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A message written with {@code pg_logical_emit_message} ({@code 'M'}), sent only when the slot
 * was started with {@code messages 'true'}.
 *
 * @param xid the streamed transaction's id, or 0 outside a streamed transaction
 * @param transactional whether the message belongs to the surrounding transaction; a
 *     non-transactional one arrives at once, outside any begin and commit
 * @param lsn the LSN of the message's WAL record
 * @param content the message body, raw bytes as the caller wrote them
 */
public record LogicalDecodingMessage(long xid, boolean transactional, Lsn lsn, String prefix, byte[] content) {

    // A record would share and compare the array by reference; copying keeps the message
    // immutable and the content-based equality below makes two equal messages equal.
    public LogicalDecodingMessage {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(prefix, "prefix");
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LogicalDecodingMessage message
                && message.xid == xid
                && message.transactional == transactional
                && message.lsn.equals(lsn)
                && message.prefix.equals(prefix)
                && Arrays.equals(message.content, content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(xid, transactional, lsn, prefix, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
        return "LogicalDecodingMessage[xid=" + xid + ", transactional=" + transactional + ", lsn=" + lsn
                + ", prefix=" + prefix + ", content=" + HexFormat.of().formatHex(content) + "]";
    }
}
