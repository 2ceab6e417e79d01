package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Objects;

/** The before-image of a row that an update or delete sends to identify the row. */
public record OldTuple(Kind kind, TupleData data) {

    /** Which before-image the server sent; it depends on the table's replica identity. */
    public enum Kind {
        /**
         * Only the replica identity columns ({@code 'K'}); the other columns are {@link
         * ColumnValue#NULL}. Sent for a delete, and for an update that changed a key column.
         */
        KEY,
        /** The whole old row ({@code 'O'}), sent for tables with {@code REPLICA IDENTITY FULL}. */
        FULL_ROW
    }

    public OldTuple {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(data, "data");
    }
}
