package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One mapping of a prepared mirror: the destination table as it is, the source columns it was
 * verified against, and the statements that apply batches to it. Replaced as a whole when the
 * destination table evolves, so the statements always match the table.
 */
final class MirroredTable {

    private final TableMapping mapping;
    private final DestinationTable destination;
    private final MergeStatements statements;
    private final int[] keyColumns;
    // Source columns (name -> column) that reconciliation accepted for this destination table; a
    // change whose shape stays within them needs no trip to the destination's catalog.
    private final Map<String, ColumnSchema> acceptedColumns;
    // Changes of one source shape share one TableSchema instance, so an identity lookup finds
    // the layout without hashing whole schemas per row.
    private final Map<TableSchema, RowLayout> layouts = new IdentityHashMap<>();
    // The shapes found to fit as they are, so that a batch checks each shape once.
    private final Set<TableSchema> fitting = Collections.newSetFromMap(new IdentityHashMap<>());
    // After fresh rows met keys the table already had, the batches to apply with MERGE alone
    // before trying their direct COPY again, and how many the next conflict sets.
    private int freshCopyPause;
    private int freshCopyBackoff = 1;

    MirroredTable(TableMapping mapping, DestinationTable destination, List<ColumnSchema> acceptedColumns) {
        this.mapping = mapping;
        this.destination = destination;
        this.statements = MergeStatements.of(destination);
        List<DestinationColumn> key = destination.key();
        this.keyColumns = key.stream().mapToInt(column -> destination.indexOf(column.name())).toArray();
        this.acceptedColumns = new HashMap<>();
        acceptedColumns.forEach(column -> this.acceptedColumns.put(column.name(), column));
    }

    TableMapping mapping() {
        return mapping;
    }

    DestinationTable destination() {
        return destination;
    }

    MergeStatements statements() {
        return statements;
    }

    /** Destination column indexes of the key columns, in key order. */
    int[] keyColumns() {
        return keyColumns;
    }

    /** The source columns accepted so far, to carry into the table's next version. */
    List<ColumnSchema> acceptedColumns() {
        return List.copyOf(acceptedColumns.values());
    }

    /** The accepted source column the destination column {@code name} holds; null when none. */
    ColumnSchema acceptedColumn(String name) {
        return acceptedColumns.get(name);
    }

    /**
     * How the values of changes made with {@code schema} map onto this destination table, or
     * null when {@code schema} has a column the destination lacks or a column of another type or
     * other enum labels than accepted: then the destination must be reconciled first. A column
     * is found by its source attribute number when known, so the changes made before a rename
     * map onto the renamed column.
     */
    RowLayout layoutFor(TableSchema schema) {
        RowLayout layout = layouts.get(schema);
        if (layout == null) {
            if (!fits(schema, false)) {
                return null;
            }
            layout = new RowLayout(this, schema, mapping.excludedColumns());
            layouts.put(schema, layout);
        }
        return layout;
    }

    /**
     * Whether the destination fits {@code schema} as it is, names included: false also when the
     * source renamed a column the destination still has under its old name.
     */
    boolean fits(TableSchema schema) {
        if (fitting.contains(schema)) {
            return true;
        }
        boolean fits = fits(schema, true);
        if (fits) {
            fitting.add(schema);
        }
        return fits;
    }

    boolean excludes(ColumnSchema column) {
        return mapping.excludedColumns().contains(column.name())
                || destination.excludedSourceColumns().contains(column.attributeNumber());
    }

    private boolean fits(TableSchema schema, boolean sameNames) {
        for (ColumnSchema column : schema.columns()) {
            if (excludes(column)) {
                continue;
            }
            ColumnSchema accepted = acceptedColumns.get(column.name());
            if (!sameNames && column.attributeNumber() > 0) {
                accepted = acceptedColumns.values().stream()
                        .filter(a -> a.attributeNumber() == column.attributeNumber()).findFirst().orElse(accepted);
            }
            // An enum only gains labels at the source (ADD VALUE): changes made before it gained one
            // fit the destination's type, which has every label they can hold, after it gained it.
            if (accepted == null || !accepted.type().equals(column.type())
                    || !accepted.enumLabels().containsAll(column.enumLabels())
                    || accepted.keyPosition() != column.keyPosition()
                    || (accepted.attributeNumber() > 0 && column.attributeNumber() > 0
                            && accepted.attributeNumber() != column.attributeNumber())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this batch should COPY its fresh rows straight into the table. No for a while after
     * a conflict, for twice as long after each further one, so that replaying a stretch of changes
     * the table already has (after a load that overlapped the stream) does not pay for failed
     * attempts batch after batch.
     */
    boolean tryFreshCopy() {
        if (freshCopyPause > 0) {
            freshCopyPause--;
            return false;
        }
        return true;
    }

    void freshRowsCopied() {
        freshCopyBackoff = 1;
    }

    void freshRowsConflicted() {
        freshCopyPause = freshCopyBackoff;
        freshCopyBackoff = Math.min(freshCopyBackoff * 2, 256);
    }
}
