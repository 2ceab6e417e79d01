package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.ExistingRows;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Maps the values of changes made with one source shape onto the columns of a destination table.
 * Excluded source columns are dropped here, and a destination column the shape does not have (it
 * was added at the source after the change was made) gets a filler value.
 */
final class RowLayout {

    private final MirroredTable table;
    private final TableSchema schema;
    // For each destination column, the index of its value in a change, or -1 when the shape lacks it.
    private final int[] sourceIndex;
    private final int[] keySourceIndex;
    // For each destination column, what an INSERT of this shape writes when the shape lacks it.
    private final Value[] insertFiller;
    // When the shape's columns are exactly the destination's, a change's values are used as they are.
    private final boolean sameOrder;

    RowLayout(MirroredTable table, TableSchema schema, Set<String> excluded) {
        this.table = table;
        this.schema = schema;
        List<DestinationColumn> columns = table.destination().columns();
        this.sourceIndex = new int[columns.size()];
        boolean identity = columns.size() == schema.columns().size();
        this.insertFiller = new Value[columns.size()];
        int newestAttnum = schema.columns().stream().mapToInt(c -> c.attributeNumber()).max().orElse(0);
        for (int i = 0; i < columns.size(); i++) {
            DestinationColumn column = columns.get(i);
            sourceIndex[i] = excluded.contains(column.name()) ? -1 : sourceIndexOf(schema, column);
            identity &= sourceIndex[i] == i;
            insertFiller[i] = Value.NULL;
            // A column the source added after this shape: the row existed when it was added and
            // read what the existing rows read. A column older than the shape was dropped before.
            ColumnSchema accepted = table.acceptedColumn(column.name());
            if (sourceIndex[i] < 0 && accepted != null && column.sourceAttnum() > newestAttnum
                    && accepted.existingRows().kind() == ExistingRows.Kind.VALUE) {
                insertFiller[i] = Value.text(accepted.existingRows().value());
            }
        }
        this.sameOrder = identity;
        this.keySourceIndex = Arrays.stream(table.keyColumns()).map(i -> sourceIndex[i]).toArray();
    }

    /**
     * The index of the value of destination column {@code column} in a change of {@code
     * schema}: by source attribute number when both know it (a rename keeps it), otherwise by name.
     */
    private static int sourceIndexOf(TableSchema schema, DestinationColumn column) {
        List<ColumnSchema> columns = schema.columns();
        if (column.sourceAttnum() > 0) {
            for (int i = 0; i < columns.size(); i++) {
                if (columns.get(i).attributeNumber() == column.sourceAttnum()) {
                    return i;
                }
            }
        }
        int byName = schema.indexOf(column.name());
        boolean otherColumn = byName >= 0 && column.sourceAttnum() > 0 && columns.get(byName).attributeNumber() > 0;
        return otherColumn ? -1 : byName;
    }

    MirroredTable table() {
        return table;
    }

    /**
     * The change's values in destination column order. The result may be {@code values} itself,
     * which callers therefore never modify.
     *
     * @param missing the value of a destination column the change's shape does not have
     */
    Value[] destinationValues(Value[] values, Value missing) {
        if (values.length != schema.columns().size()) {
            throw new IllegalStateException("a change to " + schema.id() + " has " + values.length
                    + " values but its schema has " + schema.columns().size() + " columns");
        }
        if (sameOrder) {
            return values;
        }
        Value[] mapped = new Value[sourceIndex.length];
        for (int i = 0; i < sourceIndex.length; i++) {
            mapped[i] = sourceIndex[i] < 0 ? missing : values[sourceIndex[i]];
        }
        return mapped;
    }

    /**
     * An INSERT's values in destination column order: a column the source added after the
     * change's shape gets what the source's existing rows read in it.
     */
    Value[] insertedValues(Value[] values) {
        Value[] mapped = destinationValues(values, Value.NULL);
        if (mapped == values) {
            return values;
        }
        for (int i = 0; i < sourceIndex.length; i++) {
            if (sourceIndex[i] < 0) {
                mapped[i] = insertFiller[i];
            }
        }
        return mapped;
    }

    /** The key of a change's row: the text of its key columns in key order. */
    List<String> key(Value[] values) {
        String[] key = new String[keySourceIndex.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = keyText(keySourceIndex[i] < 0 ? null : values[keySourceIndex[i]]);
        }
        return Arrays.asList(key);
    }

    /**
     * The key of an UPDATE's old row, whose values follow the shape's columns like a new row's:
     * the key columns are picked by name, whatever order the source declared the key in.
     */
    List<String> oldKey(Value[] oldValues) {
        if (oldValues.length != schema.columns().size()) {
            throw new IllegalStateException("an update to " + schema.id() + " has an old row of " + oldValues.length
                    + " values but its schema has " + schema.columns().size() + " columns");
        }
        return key(oldValues);
    }

    private String keyText(Value value) {
        if (value instanceof Value.Text text) {
            return text.text();
        }
        // A primary key column is never NULL and never TOASTed-unchanged in what the source sends.
        throw new IllegalStateException("a change to " + schema.id() + " has no value for a key column ("
                + value + "); the source must send every key column");
    }
}
