package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A batch reduced in memory to what it leaves behind: per destination table, whether it was
 * truncated and the last state of each changed key. Applying that state is equivalent to applying
 * the changes one by one, and takes one COPY and one MERGE per table instead of a statement per
 * change.
 */
final class CollapsedBatch {

    /** The mirror's tables as the batch needs them. */
    interface Tables {
        /** The table changes of {@code source} go to; fails when the mirror does not map it. */
        MirroredTable forSource(TableId source);

        /** The layout of changes made with {@code schema}; the destination already fits it. */
        RowLayout layoutFor(TableSchema schema);
    }

    // Sorted, so that concurrent writers to the same tables take their locks in the same order.
    private final Map<TableId, TableChanges> tables = new TreeMap<>();
    private long rows;
    private long bytes;

    private CollapsedBatch() {
    }

    static CollapsedBatch collapse(ChangeBatch batch, Tables mirrorTables) {
        CollapsedBatch collapsed = new CollapsedBatch();
        TableSchema lastSchema = null;
        RowLayout layout = null;
        for (Change change : batch.changes()) {
            if (change instanceof Change.Row row) {
                if (row.schema() != lastSchema) {
                    lastSchema = row.schema();
                    layout = mirrorTables.layoutFor(lastSchema);
                }
                collapsed.add(row, layout);
            } else if (change instanceof Change.Truncate truncate) {
                for (TableId source : truncate.tables()) {
                    collapsed.changesOf(mirrorTables.forSource(source)).truncate();
                }
            }
        }
        return collapsed;
    }

    Collection<TableChanges> tables() {
        return tables.values();
    }

    /** The row changes the batch held, before collapsing: the work it stands for. */
    long rows() {
        return rows;
    }

    /** The length of the batch's value texts, an approximation of the bytes it moved. */
    long bytes() {
        return bytes;
    }

    private void add(Change.Row row, RowLayout layout) {
        rows++;
        for (Value value : row.values()) {
            if (value instanceof Value.Text text) {
                bytes += text.text().length();
            }
        }
        TableChanges changes = changesOf(layout.table());
        List<String> key = layout.key(row.values());
        switch (row.kind()) {
            // A column the change's shape lacks was added after the row was inserted, so it reads
            // what the existing rows read; in an update it was not touched.
            case INSERT -> changes.insert(key, layout.insertedValues(row.values()));
            case UPDATE -> changes.update(key, layout.destinationValues(row.values(), Value.UNCHANGED),
                    row.oldValues() == null ? null : layout.oldKey(row.oldValues()));
            case DELETE -> changes.delete(key, layout.destinationValues(row.values(), Value.NULL));
        }
    }

    private TableChanges changesOf(MirroredTable table) {
        return tables.computeIfAbsent(table.destination().id(), id -> new TableChanges(table));
    }
}
