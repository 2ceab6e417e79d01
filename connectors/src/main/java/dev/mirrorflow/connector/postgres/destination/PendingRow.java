package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.Value;
import java.util.List;

/**
 * What a batch leaves of one destination row once its changes are collapsed: deleted, or upserted
 * with these values.
 *
 * @param fresh the batch inserted the row and changed its key in no other way before, so the
 *     destination is not expected to have it yet; an expectation only, as a replayed batch or a
 *     load that overlapped the stream can break it
 * @param values in destination column order; {@link Value#UNCHANGED} where the row keeps what the
 *     destination has; for a delete only the key columns matter
 * @param baseKey when the unchanged values must come from another destination row than this one
 *     (an UPDATE changed the key, and the source sent the unchanged columns only for the old
 *     key's row): that row's key; otherwise null
 */
record PendingRow(boolean delete, boolean fresh, Value[] values, List<String> baseKey) {

    static PendingRow deleted(Value[] values) {
        return new PendingRow(true, false, values, null);
    }

    static PendingRow upserted(Value[] values, List<String> baseKey) {
        return new PendingRow(false, false, values, hasUnchanged(values) ? baseKey : null);
    }

    /** A row the batch inserted under a key it had not touched before. */
    static PendingRow inserted(Value[] values) {
        return hasUnchanged(values) ? upserted(values, null) : new PendingRow(false, true, values, null);
    }

    static boolean hasUnchanged(Value[] values) {
        for (Value value : values) {
            if (value instanceof Value.Unchanged) {
                return true;
            }
        }
        return false;
    }
}
