package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.CDC_BATCHES;

import dev.mirrorflow.catalog.jooq.tables.records.CdcBatchesRecord;
import java.math.BigDecimal;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Applied change-stream batches. Recording a batch twice (a retried activity) keeps one row. */
public final class CdcBatchRepository {

    private final DSLContext dsl;

    CdcBatchRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** @return false when the batch had been recorded already */
    public boolean record(CdcBatch b) {
        return dsl.insertInto(CDC_BATCHES)
                .set(CDC_BATCHES.MIRROR_ID, b.mirrorId())
                .set(CDC_BATCHES.BATCH_ID, b.batchId())
                .set(CDC_BATCHES.ROWS_APPLIED, b.rowsApplied())
                .set(CDC_BATCHES.BYTES_APPLIED, b.bytesApplied())
                .set(CDC_BATCHES.FIRST_POSITION, b.firstPosition())
                .set(CDC_BATCHES.LAST_POSITION, b.lastPosition())
                .set(CDC_BATCHES.STARTED_AT, Timestamps.utc(b.startedAt()))
                .set(CDC_BATCHES.ENDED_AT, Timestamps.utc(b.endedAt()))
                .onConflictDoNothing()
                .execute() == 1;
    }

    /** The newest batches, newest first. */
    public List<CdcBatch> recent(long mirrorId, int limit) {
        return dsl.selectFrom(CDC_BATCHES)
                .where(CDC_BATCHES.MIRROR_ID.eq(mirrorId))
                .orderBy(CDC_BATCHES.BATCH_ID.desc())
                .limit(limit)
                .fetch(CdcBatchRepository::toBatch);
    }

    /** The highest batch id recorded, or 0: where a restarted stream continues numbering. */
    public long lastBatchId(long mirrorId) {
        Long max = dsl.select(DSL.max(CDC_BATCHES.BATCH_ID)).from(CDC_BATCHES)
                .where(CDC_BATCHES.MIRROR_ID.eq(mirrorId)).fetchOne(0, Long.class);
        return max == null ? 0 : max;
    }

    public CdcBatch.Totals totals(long mirrorId) {
        var sums = dsl.select(DSL.count(),
                        DSL.coalesce(DSL.sum(CDC_BATCHES.ROWS_APPLIED), BigDecimal.ZERO),
                        DSL.coalesce(DSL.sum(CDC_BATCHES.BYTES_APPLIED), BigDecimal.ZERO))
                .from(CDC_BATCHES)
                .where(CDC_BATCHES.MIRROR_ID.eq(mirrorId))
                .fetchSingle();
        List<CdcBatch> last = recent(mirrorId, 1);
        return new CdcBatch.Totals(sums.value1(), sums.value2().longValue(), sums.value3().longValue(),
                last.isEmpty() ? null : last.get(0).lastPosition(),
                last.isEmpty() ? null : last.get(0).endedAt());
    }

    private static CdcBatch toBatch(CdcBatchesRecord r) {
        return new CdcBatch(r.getMirrorId(), r.getBatchId(), r.getRowsApplied(), r.getBytesApplied(),
                r.getFirstPosition(), r.getLastPosition(), Timestamps.instant(r.getStartedAt()),
                Timestamps.instant(r.getEndedAt()));
    }
}
