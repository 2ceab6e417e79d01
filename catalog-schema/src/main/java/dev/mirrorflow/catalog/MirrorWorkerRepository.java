package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MIRROR_WORKERS;

import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Where each mirror's load or stream runs now (migration V006), for {@code mirror status}. */
public final class MirrorWorkerRepository {

    private final DSLContext dsl;

    MirrorWorkerRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Records that {@code activity} of the mirror starts on the worker {@code identity}, replacing any other. */
    public void started(long mirrorId, String identity, String activity) {
        dsl.insertInto(MIRROR_WORKERS)
                .set(MIRROR_WORKERS.MIRROR_ID, mirrorId)
                .set(MIRROR_WORKERS.WORKER_IDENTITY, identity)
                .set(MIRROR_WORKERS.ACTIVITY, activity)
                .set(MIRROR_WORKERS.STARTED_AT, DSL.currentOffsetDateTime())
                .onConflict(MIRROR_WORKERS.MIRROR_ID)
                .doUpdate()
                .set(MIRROR_WORKERS.WORKER_IDENTITY, identity)
                .set(MIRROR_WORKERS.ACTIVITY, activity)
                .set(MIRROR_WORKERS.STARTED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    /**
     * Forgets where the mirror runs, if it is still the worker {@code identity} (a worker taking
     * over may have written its own row meanwhile).
     */
    public void ended(long mirrorId, String identity) {
        dsl.deleteFrom(MIRROR_WORKERS)
                .where(MIRROR_WORKERS.MIRROR_ID.eq(mirrorId))
                .and(MIRROR_WORKERS.WORKER_IDENTITY.eq(identity))
                .execute();
    }

    /** Where the mirror's load or stream runs, if a worker recorded one that has not ended. */
    public Optional<MirrorWorker> find(long mirrorId) {
        return dsl.selectFrom(MIRROR_WORKERS).where(MIRROR_WORKERS.MIRROR_ID.eq(mirrorId))
                .fetchOptional(r -> new MirrorWorker(r.getWorkerIdentity(), r.getActivity(),
                        Timestamps.instant(r.getStartedAt())));
    }
}
