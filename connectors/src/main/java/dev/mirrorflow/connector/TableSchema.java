package dev.mirrorflow.connector;

import java.util.Comparator;
import java.util.List;

/**
 * The shape of a source table: its columns in order and its key, the columns that identify a
 * row (for PostgreSQL the primary key, or the index REPLICA IDENTITY USING INDEX names). A table
 * without a key has an empty {@code key()}; destinations refuse it.
 */
public record TableSchema(TableId id, List<ColumnSchema> columns) {

    public TableSchema {
        columns = List.copyOf(columns);
    }

    /** The key columns in key order. */
    public List<ColumnSchema> key() {
        return columns.stream().filter(ColumnSchema::isKey)
                .sorted(Comparator.comparingInt(ColumnSchema::keyPosition)).toList();
    }

    public int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }
}
