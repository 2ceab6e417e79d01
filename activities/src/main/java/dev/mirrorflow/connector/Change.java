package dev.mirrorflow.connector;

import java.util.List;

/** One change in a batch, in source commit order. */
public sealed interface Change {

    /**
     * A row inserted, updated or deleted.
     *
     * @param schema the table's shape when the change was made; {@code values} follow its columns
     * @param values the new row for INSERT and UPDATE; for DELETE the old row, of which at least
     *     the key columns are set (others may be NULL)
     * @param oldKey for an UPDATE that changed the key, the old key's values in key order;
     *     otherwise null
     */
    record Row(TableSchema schema, Kind kind, Value[] values, Value[] oldKey) implements Change {}

    /** Tables truncated together. */
    record Truncate(List<TableId> tables) implements Change {}

    enum Kind {
        INSERT,
        UPDATE,
        DELETE
    }
}
