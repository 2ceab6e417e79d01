package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.CDC_BATCHES;

import dev.mirrorflow.catalog.jooq.tables.records.CdcBatchesRecord;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Applied change-stream batches. Recording a batch twice (a retried activity) keeps one row. */
public final class CdcBatchRepository {

    private final Supplier<DSLContext> dslSource;
    private final DataSource dataSource;

    CdcBatchRepository(Supplier<DSLContext> dslSource, DataSource dataSource) {
        this.dslSource = dslSource;
        this.dataSource = dataSource;
    }

    private DSLContext dsl() {
        return dslSource.get();
    }

    /** @return false when the batch had been recorded already */
    public boolean record(CdcBatch b) {
        return dsl().insertInto(CDC_BATCHES)
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
        return dsl().selectFrom(CDC_BATCHES)
                .where(CDC_BATCHES.MIRROR_ID.eq(mirrorId))
                .orderBy(CDC_BATCHES.BATCH_ID.desc())
                .limit(limit)
                .fetch(CdcBatchRepository::toBatch);
    }

    /** The highest batch id recorded, or 0: where a restarted stream continues numbering. */
    public long lastBatchId(long mirrorId) {
        Long max = dsl().select(DSL.max(CDC_BATCHES.BATCH_ID)).from(CDC_BATCHES)
                .where(CDC_BATCHES.MIRROR_ID.eq(mirrorId)).fetchOne(0, Long.class);
        return max == null ? 0 : max;
    }

    public CdcBatch.Totals totals(long mirrorId) {
        // Plain JDBC and one statement: mirror status reads with it (see PlainReads).
        String batches = CatalogConfig.SCHEMA + ".cdc_batches";
        return PlainReads.single(dataSource, "SELECT t.n, t.rows, t.bytes, l.last_position, l.ended_at FROM (SELECT"
                + " count(*) AS n, coalesce(sum(rows_applied), 0) AS rows, coalesce(sum(bytes_applied), 0) AS bytes"
                + " FROM " + batches + " WHERE mirror_id = ?) t LEFT JOIN LATERAL (SELECT last_position, ended_at FROM "
                + batches + " WHERE mirror_id = ? ORDER BY batch_id DESC LIMIT 1) l ON true",
                rs -> new CdcBatch.Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                        Timestamps.instant(rs.getObject(5, java.time.OffsetDateTime.class))),
                mirrorId, mirrorId);
    }

    private static CdcBatch toBatch(CdcBatchesRecord r) {
        return new CdcBatch(r.getMirrorId(), r.getBatchId(), r.getRowsApplied(), r.getBytesApplied(),
                r.getFirstPosition(), r.getLastPosition(), Timestamps.instant(r.getStartedAt()),
                Timestamps.instant(r.getEndedAt()));
    }
}
