package dev.mirrorflow.connector.load;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One table of an initial load: where it comes from, where it goes, and which of its columns
 * travel. Excluded columns are never read from the source, so they cost nothing.
 */
public record TableLoad(TableMapping mapping, TableSchema sourceSchema) {

    public TableLoad {
        if (!mapping.source().equals(sourceSchema.id())) {
            throw new IllegalArgumentException("the schema of " + sourceSchema.id()
                    + " was given for the mapping of " + mapping.source());
        }
        for (String excluded : mapping.excludedColumns()) {
            int i = sourceSchema.indexOf(excluded);
            if (i < 0) {
                throw new IllegalArgumentException("column " + excluded + " excluded from " + mapping.source()
                        + " does not exist; remove it from the mapping's exclusions");
            }
            if (sourceSchema.columns().get(i).isKey()) {
                throw new IllegalArgumentException("column " + excluded + " of " + mapping.source()
                        + " is part of the primary key and cannot be excluded");
            }
        }
        if (sourceSchema.columns().stream().allMatch(c -> mapping.excludedColumns().contains(c.name()))) {
            throw new IllegalArgumentException("every column of " + mapping.source() + " is excluded; nothing to copy");
        }
    }

    /** The name partitions of this table carry in the catalog and in the destination markers. */
    public String partitionTableName() {
        return mapping.source().toString();
    }

    public TableId source() {
        return mapping.source();
    }

    public TableId destination() {
        return mapping.destination();
    }

    /**
     * The columns copied, in source order. Generated columns are not among them: the destination
     * computes its own from the copied columns, and refuses values for them.
     */
    public List<String> columns() {
        return sourceSchema.columns().stream().filter(c -> !c.isGenerated()).map(ColumnSchema::name)
                .filter(c -> !mapping.excludedColumns().contains(c)).toList();
    }

    /** The primary key columns in key order; empty for a table identified by REPLICA IDENTITY FULL. */
    public List<String> keyColumns() {
        return sourceSchema.key().stream().map(ColumnSchema::name).toList();
    }

    public String quotedColumnList() {
        return quotedList(columns());
    }

    public static String quotedList(List<String> names) {
        return names.stream().map(TableId::quote).collect(Collectors.joining(", "));
    }
}
