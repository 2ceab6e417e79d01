package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Objects;

/**
 * A new row ({@code 'I'}).
 *
 * @param xid the streamed (sub)transaction's id, or 0 outside a streamed transaction
 */
public record InsertMessage(long xid, int relationOid, TupleData newTuple) {

    public InsertMessage {
        Objects.requireNonNull(newTuple, "newTuple");
    }
}
