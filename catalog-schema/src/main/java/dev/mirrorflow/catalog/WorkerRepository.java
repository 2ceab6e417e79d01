package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.WORKERS;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Workers that ran against this catalog; one row per persistent instance id. */
public final class WorkerRepository {

    private final DSLContext dsl;

    WorkerRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Records a worker start; a restart of the same instance updates its row. */
    public void register(UUID instanceId, String host, String version, String identity, Instant startedAt) {
        dsl.insertInto(WORKERS)
                .set(WORKERS.INSTANCE_ID, instanceId)
                .set(WORKERS.HOST, host)
                .set(WORKERS.VERSION, version)
                .set(WORKERS.IDENTITY, identity)
                .set(WORKERS.STARTED_AT, Timestamps.utc(startedAt))
                .set(WORKERS.LAST_SEEN_AT, DSL.currentOffsetDateTime())
                .onConflict(WORKERS.INSTANCE_ID)
                .doUpdate()
                .set(WORKERS.HOST, host)
                .set(WORKERS.VERSION, version)
                .set(WORKERS.IDENTITY, identity)
                .set(WORKERS.STARTED_AT, Timestamps.utc(startedAt))
                .set(WORKERS.LAST_SEEN_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    /** Updates last seen; false when the worker was never registered. */
    public boolean touch(UUID instanceId) {
        return dsl.update(WORKERS).set(WORKERS.LAST_SEEN_AT, DSL.currentOffsetDateTime())
                .where(WORKERS.INSTANCE_ID.eq(instanceId)).execute() == 1;
    }

    /** Workers, most recently seen first. */
    public List<WorkerRow> list() {
        return dsl.selectFrom(WORKERS).orderBy(WORKERS.LAST_SEEN_AT.desc())
                .fetch(r -> new WorkerRow(r.getInstanceId(), r.getHost(), r.getVersion(), r.getIdentity(),
                        Timestamps.instant(r.getStartedAt()), Timestamps.instant(r.getLastSeenAt())));
    }
}
