package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.TableId;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A destination table's columns in table order, as its catalog describes them. Generated columns
 * are not among them: the table computes those itself, and a batch never writes them.
 *
 * @param excludedSourceColumns attribute numbers of the source columns the mapping excludes,
 *     as recorded when they were excluded: a renamed excluded column stays excluded
 */
record DestinationTable(TableId id, List<DestinationColumn> columns, Set<Integer> excludedSourceColumns) {

    DestinationTable {
        columns = List.copyOf(columns);
        excludedSourceColumns = Set.copyOf(excludedSourceColumns);
    }

    DestinationTable(TableId id, List<DestinationColumn> columns) {
        this(id, columns, Set.of());
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

    /** The index of the column that came from source attribute {@code sourceAttnum}; -1 when none. */
    int indexOfSource(int sourceAttnum) {
        for (int i = 0; sourceAttnum > 0 && i < columns.size(); i++) {
            if (columns.get(i).sourceAttnum() == sourceAttnum) {
                return i;
            }
        }
        return -1;
    }
}
