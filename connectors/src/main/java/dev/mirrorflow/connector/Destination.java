package dev.mirrorflow.connector;

import java.util.List;
import java.util.Optional;

/**
 * Where a mirror's rows go. Implementations keep the mirror's checkpoint in the destination
 * itself so that data and position commit together.
 */
public interface Destination extends AutoCloseable {

    /**
     * Creates the destination tables for the mappings (source columns minus exclusions, same
     * types, same primary key) and the metadata the destination keeps. Idempotent: existing
     * tables are verified, columns the source gained since are added (their existing rows filled
     * as the source's read) and columns it renamed are renamed. A column the source no longer has
     * is kept with the values it has (rows inserted since leave it NULL) and reported, so the
     * mirror can record it in its history.
     *
     * @return the schema changes found and kept: a {@link SchemaChange.Kind#COLUMN_DROPPED} for
     *     each destination column whose source column is gone (every time, as long as it is so)
     * @throws IllegalStateException with a one-line message when an existing table differs in
     *     a way that cannot be reconciled (a column of another type, a missing key)
     */
    List<SchemaChange> prepare(String mirror, List<TableMapping> mappings, List<TableSchema> sourceSchemas);

    /** The position of the last batch this destination committed for the mirror, if any. */
    Optional<String> checkpoint(String mirror);

    /**
     * Applies the batch and stores its position in ONE transaction. Within a batch the last
     * change per key wins and unchanged values keep what the destination has. Must be
     * idempotent: applying a batch again (a replay after a crash) leaves the same rows.
     */
    ApplyResult apply(String mirror, ChangeBatch batch);

    /**
     * Forgets the mirror at the destination: its checkpoint and any progress the destination
     * keeps for it, and with {@code dropTables} the tables it created for the mirror too (never
     * a table that existed before the mirror, or another mirror's). Used by drop. Idempotent.
     *
     * @return with {@code dropTables}, the destination tables that exist and were kept
     */
    List<TableId> forget(String mirror, List<TableMapping> mappings, boolean dropTables);

    @Override
    void close();

    /** What one applied batch did. */
    record ApplyResult(long rowsApplied, long bytesApplied) {}
}
