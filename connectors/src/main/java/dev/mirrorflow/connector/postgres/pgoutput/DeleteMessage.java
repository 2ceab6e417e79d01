package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Objects;

/**
 * A removed row ({@code 'D'}), identified by its old key or, under {@code REPLICA IDENTITY FULL},
 * its whole old row.
 *
 * @param xid the streamed (sub)transaction's id, or 0 outside a streamed transaction
 */
public record DeleteMessage(long xid, int relationOid, OldTuple oldTuple) {

    public DeleteMessage {
        Objects.requireNonNull(oldTuple, "oldTuple");
    }
}
