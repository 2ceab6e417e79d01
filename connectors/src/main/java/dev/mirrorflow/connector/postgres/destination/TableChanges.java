package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.Value;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The changes of one batch to one destination table, collapsed to the last state per key in the
 * order the source made them, and whether the table was truncated first.
 */
final class TableChanges {

    private final MirroredTable table;
    // Insertion order follows the source, so the COPY writes rows roughly in the order they came.
    private final Map<List<String>, PendingRow> rows = new LinkedHashMap<>();
    private boolean truncated;

    TableChanges(MirroredTable table) {
        this.table = table;
    }

    MirroredTable table() {
        return table;
    }

    boolean truncated() {
        return truncated;
    }

    Collection<PendingRow> rows() {
        return rows.values();
    }

    /**
     * An INSERT replaces whatever the batch had for the key, including an earlier delete. Under a
     * key the batch has not touched before, the row is fresh: the destination should not have it.
     */
    void insert(List<String> key, Value[] values) {
        PendingRow before = rows.put(key, PendingRow.inserted(values));
        if (before != null) {
            rows.put(key, PendingRow.upserted(values, null));
        }
    }

    /**
     * An UPDATE. Its unchanged values come from the batch's earlier state of the row when there
     * is one, else from the destination row. When it changed the key, the old key's row is
     * deleted and its state becomes the base of the new key's row.
     *
     * @param oldKey the row's key before the update when the update changed it, else null
     */
    void update(List<String> key, Value[] values, List<String> oldKey) {
        if (oldKey != null && !oldKey.equals(key)) {
            PendingRow before = rows.remove(oldKey);
            rows.put(oldKey, PendingRow.deleted(keyOnly(values, oldKey)));
            if (before == null || before.delete()) {
                rows.put(key, PendingRow.upserted(values, oldKey));
            } else {
                rows.put(key, PendingRow.upserted(fill(values, before.values()),
                        before.baseKey() != null ? before.baseKey() : oldKey));
            }
            return;
        }
        PendingRow before = rows.get(key);
        if (before == null || before.delete()) {
            rows.put(key, PendingRow.upserted(values, null));
        } else if (before.fresh()) {
            // An update of a row the batch inserted: still a row the destination lacks.
            rows.put(key, PendingRow.inserted(fill(values, before.values())));
        } else {
            rows.put(key, PendingRow.upserted(fill(values, before.values()), before.baseKey()));
        }
    }

    void delete(List<String> key, Value[] values) {
        rows.put(key, PendingRow.deleted(values));
    }

    /** A TRUNCATE makes every earlier change of the batch to the table moot. */
    void truncate() {
        rows.clear();
        truncated = true;
    }

    /** {@code newer} with its unchanged values taken from {@code earlier} where that has them. */
    private static Value[] fill(Value[] newer, Value[] earlier) {
        Value[] filled = newer;
        for (int i = 0; i < newer.length; i++) {
            if (newer[i] instanceof Value.Unchanged && !(earlier[i] instanceof Value.Unchanged)) {
                if (filled == newer) {
                    filled = newer.clone();
                }
                filled[i] = earlier[i];
            }
        }
        return filled;
    }

    /** A delete needs only the key; the values of the row under its old key are these key texts. */
    private Value[] keyOnly(Value[] template, List<String> key) {
        Value[] values = new Value[template.length];
        Arrays.fill(values, Value.NULL);
        int[] keyColumns = table.keyColumns();
        for (int i = 0; i < keyColumns.length; i++) {
            values[keyColumns[i]] = Value.text(key.get(i));
        }
        return values;
    }
}
