package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.SNAPSHOT_PARTITIONS;

import dev.mirrorflow.catalog.jooq.tables.records.SnapshotPartitionsRecord;
import java.util.List;
import org.jooq.Condition;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The partitions of initial loads. Planning is idempotent and a finished partition stays
 * finished, so a restarted load copies only what is missing.
 */
public final class SnapshotPartitionRepository {

    private final Supplier<DSLContext> dslSource;
    private final DataSource dataSource;

    SnapshotPartitionRepository(Supplier<DSLContext> dslSource, DataSource dataSource) {
        this.dslSource = dslSource;
        this.dataSource = dataSource;
    }

    private DSLContext dsl() {
        return dslSource.get();
    }

    /**
     * Records the partitions of a load in one statement. Partitions already planned are left
     * as they are, with their state, so planning again after a crash is harmless.
     */
    public void plan(long mirrorId, int generation, List<SnapshotPartition.Plan> plans) {
        if (plans.isEmpty()) {
            return;
        }
        var insert = dsl().insertInto(SNAPSHOT_PARTITIONS,
                SNAPSHOT_PARTITIONS.MIRROR_ID, SNAPSHOT_PARTITIONS.LOAD_GENERATION, SNAPSHOT_PARTITIONS.TABLE_NAME,
                SNAPSHOT_PARTITIONS.PARTITION_NO, SNAPSHOT_PARTITIONS.RANGE_START, SNAPSHOT_PARTITIONS.RANGE_END);
        for (SnapshotPartition.Plan p : plans) {
            insert = insert.values(mirrorId, generation, p.tableName(), p.partitionNo(), p.rangeStart(), p.rangeEnd());
        }
        insert.onConflictDoNothing().execute();
    }

    /** All partitions of a load, in table and partition order. */
    public List<SnapshotPartition> list(long mirrorId, int generation) {
        return dsl().selectFrom(SNAPSHOT_PARTITIONS)
                .where(load(mirrorId, generation))
                .orderBy(SNAPSHOT_PARTITIONS.TABLE_NAME, SNAPSHOT_PARTITIONS.PARTITION_NO)
                .fetch(SnapshotPartitionRepository::toPartition);
    }

    /** The partitions still to copy (pending, or running when a worker died). */
    public List<SnapshotPartition> unfinished(long mirrorId, int generation) {
        return dsl().selectFrom(SNAPSHOT_PARTITIONS)
                .where(load(mirrorId, generation).and(SNAPSHOT_PARTITIONS.STATE.ne(SnapshotPartition.State.DONE.name())))
                .orderBy(SNAPSHOT_PARTITIONS.TABLE_NAME, SNAPSHOT_PARTITIONS.PARTITION_NO)
                .fetch(SnapshotPartitionRepository::toPartition);
    }

    public void markRunning(long mirrorId, int generation, String table, int partitionNo) {
        dsl().update(SNAPSHOT_PARTITIONS)
                .set(SNAPSHOT_PARTITIONS.STATE, SnapshotPartition.State.RUNNING.name())
                .set(SNAPSHOT_PARTITIONS.STARTED_AT, DSL.currentOffsetDateTime())
                .where(one(mirrorId, generation, table, partitionNo))
                .and(SNAPSHOT_PARTITIONS.STATE.ne(SnapshotPartition.State.DONE.name()))
                .execute();
    }

    /** Marks a partition copied. Marking it again keeps the first figures. */
    public void markDone(long mirrorId, int generation, String table, int partitionNo, long rows, long bytes) {
        dsl().update(SNAPSHOT_PARTITIONS)
                .set(SNAPSHOT_PARTITIONS.STATE, SnapshotPartition.State.DONE.name())
                .set(SNAPSHOT_PARTITIONS.ROWS_COPIED, rows)
                .set(SNAPSHOT_PARTITIONS.BYTES_COPIED, bytes)
                .set(SNAPSHOT_PARTITIONS.FINISHED_AT, DSL.currentOffsetDateTime())
                .where(one(mirrorId, generation, table, partitionNo))
                .and(SNAPSHOT_PARTITIONS.STATE.ne(SnapshotPartition.State.DONE.name()))
                .execute();
    }

    public SnapshotPartition.Progress progress(long mirrorId, int generation) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.single(dataSource, "SELECT count(*), count(*) FILTER (WHERE state = 'DONE'),"
                + " coalesce(sum(rows_copied), 0), coalesce(sum(bytes_copied), 0) FROM " + CatalogConfig.SCHEMA
                + ".snapshot_partitions WHERE mirror_id = ? AND load_generation = ?",
                rs -> new SnapshotPartition.Progress(rs.getInt(1), rs.getInt(2), rs.getLong(3), rs.getLong(4)),
                mirrorId, generation);
    }

    /** When the load's first partition started, if one has. */
    public Optional<Instant> firstStarted(long mirrorId, int generation) {
        return PlainReads.single(dataSource, "SELECT min(started_at) FROM " + CatalogConfig.SCHEMA
                + ".snapshot_partitions WHERE mirror_id = ? AND load_generation = ?",
                rs -> Optional.ofNullable(Timestamps.instant(rs.getObject(1, java.time.OffsetDateTime.class))),
                mirrorId, generation);
    }

    /** The newest load generation that has partitions, or 1 before any load was planned. */
    public int latestGeneration(long mirrorId) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.single(dataSource, "SELECT coalesce(max(load_generation), 1) FROM " + CatalogConfig.SCHEMA
                + ".snapshot_partitions WHERE mirror_id = ?", rs -> rs.getInt(1), mirrorId);
    }

    /** Rows copied by every load of the mirror, resyncs included. */
    public long rowsCopiedInAllLoads(long mirrorId) {
        return dsl().select(DSL.coalesce(DSL.sum(SNAPSHOT_PARTITIONS.ROWS_COPIED), java.math.BigDecimal.ZERO))
                .from(SNAPSHOT_PARTITIONS)
                .where(SNAPSHOT_PARTITIONS.MIRROR_ID.eq(mirrorId))
                .fetchSingle().value1().longValue();
    }

    /** Forgets a load's partitions, for a resync that starts a new generation from scratch. */
    public int deleteLoad(long mirrorId, int generation) {
        return dsl().deleteFrom(SNAPSHOT_PARTITIONS).where(load(mirrorId, generation)).execute();
    }

    /**
     * Forgets one table's partitions in a load, for a table a spec edit removed: added again
     * later, it is planned and copied afresh.
     */
    public int deleteTable(long mirrorId, int generation, String table) {
        return dsl().deleteFrom(SNAPSHOT_PARTITIONS)
                .where(load(mirrorId, generation).and(SNAPSHOT_PARTITIONS.TABLE_NAME.eq(table))).execute();
    }

    private static Condition load(long mirrorId, int generation) {
        return SNAPSHOT_PARTITIONS.MIRROR_ID.eq(mirrorId).and(SNAPSHOT_PARTITIONS.LOAD_GENERATION.eq(generation));
    }

    private static Condition one(long mirrorId, int generation, String table, int partitionNo) {
        return load(mirrorId, generation)
                .and(SNAPSHOT_PARTITIONS.TABLE_NAME.eq(table))
                .and(SNAPSHOT_PARTITIONS.PARTITION_NO.eq(partitionNo));
    }

    private static SnapshotPartition toPartition(SnapshotPartitionsRecord r) {
        return new SnapshotPartition(r.getMirrorId(), r.getLoadGeneration(), r.getTableName(), r.getPartitionNo(),
                r.getRangeStart(), r.getRangeEnd(), SnapshotPartition.State.valueOf(r.getState()),
                r.getRowsCopied(), r.getBytesCopied(), Timestamps.instant(r.getStartedAt()),
                Timestamps.instant(r.getFinishedAt()));
    }
}
