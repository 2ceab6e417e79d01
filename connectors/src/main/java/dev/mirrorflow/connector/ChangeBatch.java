package dev.mirrorflow.connector;

import java.util.List;

/**
 * Changes to apply in one destination transaction, with the source position that the
 * destination stores in the same transaction.
 *
 * @param position the source position after the last change, as text (an LSN for PostgreSQL,
 *     a resume token for MongoDB); the stream resumes after it
 * @param schemaChanges what the stream noticed about the source tables' identity or shape while
 *     reading these changes (a table renamed, a column dropped), to be recorded in the mirror's
 *     history once the batch is committed; the destination does not act on them
 */
public record ChangeBatch(long batchId, List<Change> changes, String position, List<SchemaChange> schemaChanges) {

    public ChangeBatch {
        changes = List.copyOf(changes);
        schemaChanges = List.copyOf(schemaChanges);
    }

    /** A batch during which the stream noticed no schema change. */
    public ChangeBatch(long batchId, List<Change> changes, String position) {
        this(batchId, changes, position, List.of());
    }
}
