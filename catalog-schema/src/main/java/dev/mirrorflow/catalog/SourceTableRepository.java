package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MIRROR_SOURCE_TABLES;

import dev.mirrorflow.catalog.jooq.tables.records.MirrorSourceTablesRecord;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The source tables each mirror follows, by identity. Kept in the catalog (not in the source or
 * the destination) so that a restarted stream finds them whatever the source's tables are called
 * by then.
 */
public final class SourceTableRepository {

    private final DSLContext dsl;

    SourceTableRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** The mirror's recorded tables, by spec name. */
    public List<SourceTable> list(long mirrorId) {
        return dsl.selectFrom(MIRROR_SOURCE_TABLES)
                .where(MIRROR_SOURCE_TABLES.MIRROR_ID.eq(mirrorId))
                .orderBy(MIRROR_SOURCE_TABLES.SOURCE_TABLE)
                .fetch(SourceTableRepository::toSourceTable);
    }

    /**
     * Records the identity of a table the mirror has not recorded yet; a table recorded already
     * keeps its identity (a retried activity, a second worker).
     *
     * @return false when the table had been recorded already
     */
    public boolean recordIfAbsent(long mirrorId, String sourceTable, long relationOid, String currentName) {
        return dsl.insertInto(MIRROR_SOURCE_TABLES)
                .set(MIRROR_SOURCE_TABLES.MIRROR_ID, mirrorId)
                .set(MIRROR_SOURCE_TABLES.SOURCE_TABLE, sourceTable)
                .set(MIRROR_SOURCE_TABLES.RELATION_OID, relationOid)
                .set(MIRROR_SOURCE_TABLES.CURRENT_NAME, currentName)
                .onConflictDoNothing()
                .execute() == 1;
    }

    /**
     * Records that a followed table is now called {@code newName}, with its schema-change event
     * (see {@link MirrorRepository#recordSchemaChange}), in one transaction: the name the next
     * stream compares with and the history never disagree.
     *
     * @return false when the event's key had been recorded already (nothing changes then)
     */
    public boolean recordRename(long mirrorId, String sourceTable, String oldName, String newName, String reason,
            String idempotencyKey) {
        return dsl.transactionResult(tx -> {
            if (!MirrorRepository.appendSchemaChange(tx.dsl(), mirrorId, sourceTable, "TABLE_RENAMED", oldName,
                    newName, reason, idempotencyKey)) {
                return false;
            }
            tx.dsl().update(MIRROR_SOURCE_TABLES)
                    .set(MIRROR_SOURCE_TABLES.CURRENT_NAME, newName)
                    .set(MIRROR_SOURCE_TABLES.RENAMED_AT, DSL.currentOffsetDateTime())
                    .where(MIRROR_SOURCE_TABLES.MIRROR_ID.eq(mirrorId))
                    .and(MIRROR_SOURCE_TABLES.SOURCE_TABLE.eq(sourceTable))
                    .execute();
            return true;
        });
    }

    /** Forgets the mirror's tables, so that the next setup resolves them by name again (a resync). */
    public void forget(long mirrorId) {
        dsl.deleteFrom(MIRROR_SOURCE_TABLES).where(MIRROR_SOURCE_TABLES.MIRROR_ID.eq(mirrorId)).execute();
    }

    /** Forgets one table, which a spec edit removed from the mirror. */
    public void forget(long mirrorId, String sourceTable) {
        dsl.deleteFrom(MIRROR_SOURCE_TABLES).where(MIRROR_SOURCE_TABLES.MIRROR_ID.eq(mirrorId)
                .and(MIRROR_SOURCE_TABLES.SOURCE_TABLE.eq(sourceTable))).execute();
    }

    private static SourceTable toSourceTable(MirrorSourceTablesRecord r) {
        return new SourceTable(r.getMirrorId(), r.getSourceTable(), r.getRelationOid(), r.getCurrentName(),
                Timestamps.instant(r.getRecordedAt()), Timestamps.instant(r.getRenamedAt()));
    }
}
