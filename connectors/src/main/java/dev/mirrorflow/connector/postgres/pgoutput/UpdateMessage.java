package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Objects;
import java.util.Optional;

/**
 * A changed row ({@code 'U'}).
 *
 * <p>Without an old tuple the row keeps its identity and the new tuple's key columns find it.
 * With a {@link OldTuple.Kind#KEY} old tuple the key changed, and the old key finds the row.
 * Columns the new tuple holds as {@link ColumnValue#UNCHANGED_TOAST} keep their current value.
 *
 * @param xid the streamed (sub)transaction's id, or 0 outside a streamed transaction
 */
public record UpdateMessage(long xid, int relationOid, Optional<OldTuple> oldTuple, TupleData newTuple) {

    public UpdateMessage {
        Objects.requireNonNull(oldTuple, "oldTuple");
        Objects.requireNonNull(newTuple, "newTuple");
    }
}
