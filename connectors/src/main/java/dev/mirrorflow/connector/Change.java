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
     * @param oldValues for an UPDATE that changed the key, the old row as the source sent it:
     *     its values follow the schema's columns like {@code values}, of which at least the key
     *     columns are set (others may be NULL); otherwise null. Whole rows rather than key
     *     values alone, so that no consumer depends on the order in which a key was declared.
     */
    record Row(TableSchema schema, Kind kind, Value[] values, Value[] oldValues) implements Change {}

    /** Tables truncated together. */
    record Truncate(List<TableId> tables) implements Change {}

    enum Kind {
        INSERT,
        UPDATE,
        DELETE
    }
}
