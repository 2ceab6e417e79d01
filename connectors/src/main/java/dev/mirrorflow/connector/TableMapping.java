package dev.mirrorflow.connector;

import java.util.Set;

/** Where one source table goes, without which of its columns. */
public record TableMapping(TableId source, TableId destination, Set<String> excludedColumns) {

    public TableMapping {
        excludedColumns = Set.copyOf(excludedColumns);
    }
}
