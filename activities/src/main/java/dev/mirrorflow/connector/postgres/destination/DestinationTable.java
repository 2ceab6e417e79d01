package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.TableId;
import java.util.Comparator;
import java.util.List;

/** A destination table's columns in table order, as its catalog describes them. */
record DestinationTable(TableId id, List<DestinationColumn> columns) {

    DestinationTable {
        columns = List.copyOf(columns);
    }

    /** The key columns in key order. */
    List<DestinationColumn> key() {
        return columns.stream().filter(DestinationColumn::isKey)
                .sorted(Comparator.comparingInt(DestinationColumn::keyPosition)).toList();
    }

    int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }
}
