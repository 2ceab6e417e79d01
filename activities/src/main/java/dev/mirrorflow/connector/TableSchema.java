package dev.mirrorflow.connector;

import java.util.Comparator;
import java.util.List;

/**
 * The shape of a source table: its columns in order and its key. For a table with REPLICA
 * IDENTITY FULL and no primary key, {@code key()} is empty and rows are identified by all
 * columns.
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
