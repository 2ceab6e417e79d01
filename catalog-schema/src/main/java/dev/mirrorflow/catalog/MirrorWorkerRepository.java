package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MIRROR_WORKERS;

import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Where each mirror's load or stream runs now (migration V006), for {@code mirror status}. */
public final class MirrorWorkerRepository {

    private final Supplier<DSLContext> dslSource;
    private final DataSource dataSource;

    MirrorWorkerRepository(Supplier<DSLContext> dslSource, DataSource dataSource) {
        this.dslSource = dslSource;
        this.dataSource = dataSource;
    }

    private DSLContext dsl() {
        return dslSource.get();
    }

    /** Records that {@code activity} of the mirror starts on the worker {@code identity}, replacing any other. */
    public void started(long mirrorId, String identity, String activity) {
        dsl().insertInto(MIRROR_WORKERS)
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
        dsl().deleteFrom(MIRROR_WORKERS)
                .where(MIRROR_WORKERS.MIRROR_ID.eq(mirrorId))
                .and(MIRROR_WORKERS.WORKER_IDENTITY.eq(identity))
                .execute();
    }

    /** Where the mirror's load or stream runs, if a worker recorded one that has not ended. */
    public Optional<MirrorWorker> find(long mirrorId) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.first(dataSource, "SELECT worker_identity, activity, started_at FROM " + CatalogConfig.SCHEMA
                + ".mirror_workers WHERE mirror_id = ?", rs -> new MirrorWorker(rs.getString("worker_identity"),
                        rs.getString("activity"), PlainReads.instant(rs, "started_at")), mirrorId);
    }
}
