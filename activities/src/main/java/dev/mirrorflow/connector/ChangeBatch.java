package dev.mirrorflow.connector;

import java.util.List;

/**
 * Changes to apply in one destination transaction, with the source position that the
 * destination stores in the same transaction.
 *
 * @param position the source position after the last change, as text (an LSN for PostgreSQL,
 *     a resume token for MongoDB); the stream resumes after it
 */
public record ChangeBatch(long batchId, List<Change> changes, String position) {

    public ChangeBatch {
        changes = List.copyOf(changes);
    }
}
