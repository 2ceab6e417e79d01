package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.List;

/**
 * The column values of one row as pgoutput sends them, in the column order of the relation's
 * latest {@link RelationMessage}.
 */
public record TupleData(List<ColumnValue> columns) {

    public TupleData {
        columns = List.copyOf(columns);
    }

    /** The value of the column at {@code index}, counted from 0 in relation column order. */
    public ColumnValue column(int index) {
        return columns.get(index);
    }

    public int size() {
        return columns.size();
    }
}
