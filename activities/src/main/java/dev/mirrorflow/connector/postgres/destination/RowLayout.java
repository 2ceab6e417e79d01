package dev.mirrorflow.connector.postgres.destination;

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
    // When the shape's columns are exactly the destination's, a change's values are used as they are.
    private final boolean sameOrder;

    RowLayout(MirroredTable table, TableSchema schema, Set<String> excluded) {
        this.table = table;
        this.schema = schema;
        List<DestinationColumn> columns = table.destination().columns();
        this.sourceIndex = new int[columns.size()];
        boolean identity = columns.size() == schema.columns().size();
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i).name();
            sourceIndex[i] = excluded.contains(name) ? -1 : schema.indexOf(name);
            identity &= sourceIndex[i] == i;
        }
        this.sameOrder = identity;
        this.keySourceIndex = Arrays.stream(table.keyColumns()).map(i -> sourceIndex[i]).toArray();
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
