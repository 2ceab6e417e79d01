package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MIRROR_SOURCE_PARTITIONS;

import dev.mirrorflow.catalog.jooq.tables.records.MirrorSourcePartitionsRecord;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The partitions of each mirror's partitioned source tables as the mirror last accounted for
 * them. Kept in the catalog so that a partition truncated, attached, detached or dropped while
 * the mirror was paused or stopped is noticed when it streams again.
 */
public final class SourcePartitionRepository {

    private final DSLContext dsl;

    SourcePartitionRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** What is recorded of one partitioned table of the mirror (empty when nothing is). */
    public List<SourcePartition> list(long mirrorId, String sourceTable) {
        return dsl.selectFrom(MIRROR_SOURCE_PARTITIONS)
                .where(MIRROR_SOURCE_PARTITIONS.MIRROR_ID.eq(mirrorId))
                .and(MIRROR_SOURCE_PARTITIONS.SOURCE_TABLE.eq(sourceTable))
                .orderBy(MIRROR_SOURCE_PARTITIONS.RELATION_OID)
                .fetch(SourcePartitionRepository::toSourcePartition);
    }

    /**
     * Records the table and its partitions when nothing is recorded of the table yet (a new
     * mirror, or one set up before partitions were recorded); what is recorded already stays (a
     * retried activity, a second worker).
     *
     * @return false when the table had been recorded already
     */
    public boolean recordIfAbsent(long mirrorId, String sourceTable, List<SourcePartition> tree) {
        return dsl.transactionResult(tx -> {
            if (tx.dsl().fetchExists(MIRROR_SOURCE_PARTITIONS, MIRROR_SOURCE_PARTITIONS.MIRROR_ID.eq(mirrorId)
                    .and(MIRROR_SOURCE_PARTITIONS.SOURCE_TABLE.eq(sourceTable)))) {
                return false;
            }
            for (SourcePartition p : tree) {
                // Two workers racing here record the same tree; the first one's rows stay.
                tx.dsl().insertInto(MIRROR_SOURCE_PARTITIONS)
                        .set(MIRROR_SOURCE_PARTITIONS.MIRROR_ID, mirrorId)
                        .set(MIRROR_SOURCE_PARTITIONS.SOURCE_TABLE, p.sourceTable())
                        .set(MIRROR_SOURCE_PARTITIONS.RELATION_OID, p.relationOid())
                        .set(MIRROR_SOURCE_PARTITIONS.RELATION_NAME, p.relationName())
                        .set(MIRROR_SOURCE_PARTITIONS.RELFILENODE, p.relfilenode())
                        .set(MIRROR_SOURCE_PARTITIONS.JOINED_BY, p.joinedBy())
                        .onConflictDoNothing()
                        .execute();
            }
            return true;
        });
    }

    /** Records a partition as it is now: a new one, or one whose change the stream carried. */
    public void record(long mirrorId, SourcePartition partition) {
        upsert(dsl, mirrorId, partition);
    }

    /** Forgets the mirror's partitions, so that the next setup records them anew (a resync). */
    public void forget(long mirrorId) {
        dsl.deleteFrom(MIRROR_SOURCE_PARTITIONS).where(MIRROR_SOURCE_PARTITIONS.MIRROR_ID.eq(mirrorId)).execute();
    }

    /** Forgets one table's partitions, for a table a spec edit removed: added back, it is recorded anew. */
    public void forget(long mirrorId, String sourceTable) {
        dsl.deleteFrom(MIRROR_SOURCE_PARTITIONS).where(MIRROR_SOURCE_PARTITIONS.MIRROR_ID.eq(mirrorId)
                .and(MIRROR_SOURCE_PARTITIONS.SOURCE_TABLE.eq(sourceTable))).execute();
    }

    private static void upsert(DSLContext dsl, long mirrorId, SourcePartition p) {
        dsl.insertInto(MIRROR_SOURCE_PARTITIONS)
                .set(MIRROR_SOURCE_PARTITIONS.MIRROR_ID, mirrorId)
                .set(MIRROR_SOURCE_PARTITIONS.SOURCE_TABLE, p.sourceTable())
                .set(MIRROR_SOURCE_PARTITIONS.RELATION_OID, p.relationOid())
                .set(MIRROR_SOURCE_PARTITIONS.RELATION_NAME, p.relationName())
                .set(MIRROR_SOURCE_PARTITIONS.RELFILENODE, p.relfilenode())
                .set(MIRROR_SOURCE_PARTITIONS.JOINED_BY, p.joinedBy())
                .onConflict(MIRROR_SOURCE_PARTITIONS.MIRROR_ID, MIRROR_SOURCE_PARTITIONS.SOURCE_TABLE,
                        MIRROR_SOURCE_PARTITIONS.RELATION_OID)
                .doUpdate()
                .set(MIRROR_SOURCE_PARTITIONS.RELATION_NAME, p.relationName())
                .set(MIRROR_SOURCE_PARTITIONS.RELFILENODE, p.relfilenode())
                .set(MIRROR_SOURCE_PARTITIONS.JOINED_BY, p.joinedBy())
                .set(MIRROR_SOURCE_PARTITIONS.RECORDED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    private static SourcePartition toSourcePartition(MirrorSourcePartitionsRecord r) {
        return new SourcePartition(r.getSourceTable(), r.getRelationOid(), r.getRelationName(), r.getRelfilenode(),
                r.getJoinedBy());
    }
}
