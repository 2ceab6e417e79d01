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

    /**
     * Checks, before anything is created, that the mappings can be written: no reserved schema,
     * no destination table that is one of the mirror's source tables, another mirror's table, or
     * one of another shape than the source's.
     *
     * @param source the mirror's source, which the destination may compare itself with (the same
     *     database reached through two peers)
     * @throws IllegalStateException with one line saying what is wrong and what to do
     */
    void validate(String mirror, List<TableMapping> mappings, Source source);

    /**
     * Refuses destination tables that exist, are not the mirror's yet and hold rows: a load into
     * them would keep rows the source does not have.
     */
    void refuseRowsToKeep(String mirror, List<TableMapping> mappings);

    /** The mappings whose destination table is not one of the mirror's source tables: what a resync or drop may touch. */
    List<TableMapping> withoutSourceTables(List<TableMapping> mappings, Source source);

    /** Empties the mirror's tables of these mappings for a load that starts over. */
    void emptyForReload(String mirror, List<TableMapping> mappings);

    /**
     * Lets go of the destination tables of these mappings: they keep their rows and are no longer
     * the mirror's (an edit removed them).
     *
     * @return the tables let go of
     */
    List<TableId> release(String mirror, List<TableMapping> mappings);

    /**
     * Resets the destination for a resync: the checkpoint and load progress go, the mirror's
     * tables are emptied or dropped so the load creates them as the source is now.
     */
    void forgetForResync(String mirror, List<TableMapping> mappings);

    /**
     * Readies the destination for an initial load of these tables (the table where each loaded
     * partition's marker is written with its rows). Called by the load before any partition of
     * every run, also a run resumed after a crash. Idempotent.
     *
     * @param keysDisjoint the source's promise that no two rows of a table's partitions share a
     *     key (each partition a range of keys, read once): the destination may then write a
     *     table it created empty for this mirror without its key, and builds the key in {@link
     *     PartitionWriter#tableLoaded} or {@link #finishLoad}; a table the user made, or one with
     *     rows, keeps its key
     */
    void prepareLoad(dev.mirrorflow.connector.load.SnapshotLoad load,
            List<dev.mirrorflow.connector.load.TableLoad> tables, boolean keysDisjoint);

    /**
     * Completes these tables once no partition of the load is left to copy (also in a run that
     * finds them all done): builds the keys {@link #prepareLoad} let a table load without. Must
     * finish before anything streams into the tables; {@link #prepare} completes a table too.
     * Idempotent; blocks while the keys are built, which takes long for a large table.
     */
    void finishLoad(dev.mirrorflow.connector.load.SnapshotLoad load,
            List<dev.mirrorflow.connector.load.TableLoad> tables);

    /**
     * Writes one partition of a load from rows a source read: the rows and the partition's
     * marker commit in one destination transaction, and a partition whose marker is there already
     * is not written again. Opens a connection of its own, so loader workers each use one writer.
     */
    PartitionWriter openPartitionWriter(dev.mirrorflow.connector.load.SnapshotLoad load);

    /** One loader worker's way into the destination; used by one thread. */
    interface PartitionWriter extends AutoCloseable {

        /** @throws Exception when the destination fails; nothing of the partition is then committed */
        dev.mirrorflow.connector.load.PartitionCopy write(dev.mirrorflow.connector.load.TableLoad table,
                dev.mirrorflow.catalog.SnapshotPartition partition, dev.mirrorflow.connector.load.PartitionRows rows)
                throws Exception;

        /**
         * Called once every partition of {@code table} this run had to copy is in, so that the
         * table can be completed (its key built) on this writer's connection while other
         * writers still copy other tables. Idempotent.
         */
        default void tableLoaded(dev.mirrorflow.connector.load.TableLoad table) throws Exception {}

        @Override
        void close();
    }

    /** Where the destination is, for messages: host, port and database, never a password. */
    String location();

    @Override
    void close();

    /** What one applied batch did. */
    record ApplyResult(long rowsApplied, long bytesApplied) {}
}
