package dev.mirrorflow.connector;

import java.util.Objects;

/**
 * A change of a source table's identity or shape that a mirror noticed, on its way to the
 * mirror's history. A stream carries the ones it notices on the batch whose transaction showed
 * them ({@link ChangeBatch#schemaChanges()}), so they are recorded only once that batch is
 * committed at the destination; a destination reports the ones it finds when it prepares.
 *
 * @param table the source table as the mirror maps it (the spec's name, also after a rename)
 * @param kind what changed
 * @param from what it was: the table's previous name (TABLE_RENAMED), the column (COLUMN_DROPPED,
 *     COLUMN_RENAMED); null when nothing was there before (COLUMN_ADDED)
 * @param to what it is now: the table's new name, the column's new name or the added column; null
 *     when nothing is there now (COLUMN_DROPPED)
 * @param position the source position of the transaction that showed the change, for changes
 *     that can happen more than once (a table renamed back and forth); null for changes that are
 *     recorded once whenever they are noticed (a column dropped)
 */
public record SchemaChange(TableId table, Kind kind, String from, String to, String position) {

    /** The kinds of change; stored in the catalog's history, so do not rename. */
    public enum Kind {
        TABLE_RENAMED,
        COLUMN_DROPPED,
        COLUMN_RENAMED,
        COLUMN_ADDED
    }

    public SchemaChange {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * What identifies this change in the history, so that noticing it again (a replayed batch, a
     * restarted stream) records nothing new.
     */
    public String idempotencyKey() {
        return "schema/" + table + "/" + kind + "/" + from + "/" + to + (position == null ? "" : "@" + position);
    }
}
