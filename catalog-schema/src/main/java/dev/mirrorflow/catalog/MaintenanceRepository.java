package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MAINTENANCE_PAUSED_MIRRORS;
import static dev.mirrorflow.catalog.jooq.Tables.MAINTENANCE_RUNS;
import static dev.mirrorflow.catalog.jooq.Tables.MIRRORS;
import static dev.mirrorflow.catalog.jooq.Tables.SETTINGS;

import dev.mirrorflow.catalog.jooq.tables.records.MaintenanceRunsRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Maintenance runs and the mirrors each one paused. At most one run is open at a time (a
 * unique index says so), and `end` resumes exactly the mirrors recorded here.
 */
public final class MaintenanceRepository {

    private final DSLContext dsl;

    MaintenanceRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Opens a run, or returns the open one when it belongs to the same workflow (a retried
     * activity). Another open run is a {@link CatalogConflictException}.
     */
    public MaintenanceRun open(String workflowId, String reason) {
        return open(workflowId, reason, null);
    }

    /**
     * Opens a run as {@link #open(String, String)} does and sets the maintenance flag in the same
     * transaction, so that no mirror can be created or resumed once the run exists.
     */
    public MaintenanceRun open(String workflowId, String reason, String startedBy) {
        return dsl.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            MaintenanceRunsRecord inserted = t.insertInto(MAINTENANCE_RUNS)
                    .set(MAINTENANCE_RUNS.WORKFLOW_ID, workflowId)
                    .set(MAINTENANCE_RUNS.STATE, MaintenanceRun.State.STARTING.name())
                    .set(MAINTENANCE_RUNS.REASON, reason)
                    .set(MAINTENANCE_RUNS.STARTED_BY, startedBy)
                    .onConflictDoNothing()
                    .returning()
                    .fetchOne();
            if (inserted != null) {
                return toRun(inserted);
            }
            MaintenanceRun open = openRun(t).orElseThrow(() ->
                    new CatalogConflictException("could not open a maintenance run; try again"));
            if (!open.workflowId().equals(workflowId)) {
                throw new CatalogConflictException("maintenance is already in progress (run " + open.id()
                        + ", started " + open.startedAt() + "); end it first with: mirrorflow maintenance end");
            }
            return open;
        });
    }

    public Optional<MaintenanceRun> openRun() {
        return openRun(dsl);
    }

    private static Optional<MaintenanceRun> openRun(DSLContext t) {
        return t.selectFrom(MAINTENANCE_RUNS)
                .where(MAINTENANCE_RUNS.STATE.ne(MaintenanceRun.State.ENDED.name()))
                .fetchOptional()
                .map(MaintenanceRepository::toRun);
    }

    public Optional<MaintenanceRun> latest() {
        return dsl.selectFrom(MAINTENANCE_RUNS).orderBy(MAINTENANCE_RUNS.ID.desc()).limit(1)
                .fetchOptional().map(MaintenanceRepository::toRun);
    }

    public void setState(long runId, MaintenanceRun.State state) {
        dsl.update(MAINTENANCE_RUNS)
                .set(MAINTENANCE_RUNS.STATE, state.name())
                .set(MAINTENANCE_RUNS.ENDED_AT, state == MaintenanceRun.State.ENDED
                        ? DSL.currentOffsetDateTime() : DSL.val((java.time.OffsetDateTime) null))
                .where(MAINTENANCE_RUNS.ID.eq(runId))
                .execute();
    }

    /** Records which mirrors this run is pausing; recording again adds nothing twice. */
    public void recordPausing(long runId, Collection<Long> mirrorIds) {
        if (mirrorIds.isEmpty()) {
            return;
        }
        var insert = dsl.insertInto(MAINTENANCE_PAUSED_MIRRORS,
                MAINTENANCE_PAUSED_MIRRORS.RUN_ID, MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID);
        for (Long id : mirrorIds) {
            insert = insert.values(runId, id);
        }
        insert.onConflictDoNothing().execute();
    }

    public void markPaused(long runId, long mirrorId) {
        dsl.update(MAINTENANCE_PAUSED_MIRRORS)
                .set(MAINTENANCE_PAUSED_MIRRORS.PAUSED_AT,
                        DSL.coalesce(MAINTENANCE_PAUSED_MIRRORS.PAUSED_AT, DSL.currentOffsetDateTime()))
                .where(MAINTENANCE_PAUSED_MIRRORS.RUN_ID.eq(runId).and(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID.eq(mirrorId)))
                .execute();
    }

    public void markResumed(long runId, long mirrorId) {
        dsl.update(MAINTENANCE_PAUSED_MIRRORS)
                .set(MAINTENANCE_PAUSED_MIRRORS.RESUMED_AT,
                        DSL.coalesce(MAINTENANCE_PAUSED_MIRRORS.RESUMED_AT, DSL.currentOffsetDateTime()))
                .where(MAINTENANCE_PAUSED_MIRRORS.RUN_ID.eq(runId).and(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID.eq(mirrorId)))
                .execute();
    }

    /** The mirrors a run paused, in id order. */
    public List<Long> pausedMirrors(long runId) {
        return dsl.select(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID).from(MAINTENANCE_PAUSED_MIRRORS)
                .where(MAINTENANCE_PAUSED_MIRRORS.RUN_ID.eq(runId))
                .orderBy(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID)
                .fetch(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID);
    }

    public Optional<MaintenanceRun> find(long runId) {
        return dsl.selectFrom(MAINTENANCE_RUNS).where(MAINTENANCE_RUNS.ID.eq(runId))
                .fetchOptional().map(MaintenanceRepository::toRun);
    }

    /** Opens a run (see {@link #open(String, String, String)}) and sets the maintenance flag. */
    public MaintenanceRun openWithFlag(String workflowId, String reason, String startedBy) {
        return dsl.transactionResult(tx -> {
            MaintenanceRun run = new MaintenanceRepository(tx.dsl()).open(workflowId, reason, startedBy);
            putFlag(tx.dsl(), true);
            return run;
        });
    }

    /**
     * Ends a run: clears the maintenance flag and marks the run ENDED in one transaction, so an
     * end that completed never leaves the flag set. Ending an ended run changes nothing.
     */
    public void end(long runId) {
        dsl.transaction(tx -> {
            DSLContext t = tx.dsl();
            t.update(MAINTENANCE_RUNS)
                    .set(MAINTENANCE_RUNS.STATE, MaintenanceRun.State.ENDED.name())
                    .set(MAINTENANCE_RUNS.ENDED_AT, DSL.currentOffsetDateTime())
                    .where(MAINTENANCE_RUNS.ID.eq(runId))
                    .and(MAINTENANCE_RUNS.STATE.ne(MaintenanceRun.State.ENDED.name()))
                    .execute();
            putFlag(t, false);
        });
    }

    private static void putFlag(DSLContext t, boolean on) {
        JSONB value = JSONB.valueOf(Boolean.toString(on));
        t.insertInto(SETTINGS)
                .set(SETTINGS.KEY, SettingsRepository.MAINTENANCE)
                .set(SETTINGS.VALUE, value)
                .onConflict(SETTINGS.KEY)
                .doUpdate()
                .set(SETTINGS.VALUE, value)
                .set(SETTINGS.UPDATED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    /** The mirrors a run recorded, with their names and where each stands, in name order. */
    public List<MaintenanceMirror> mirrors(long runId) {
        return dsl.select(MAINTENANCE_PAUSED_MIRRORS.RUN_ID, MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID, MIRRORS.NAME,
                        MAINTENANCE_PAUSED_MIRRORS.STATE, MAINTENANCE_PAUSED_MIRRORS.NOTE,
                        MAINTENANCE_PAUSED_MIRRORS.PAUSED_AT, MAINTENANCE_PAUSED_MIRRORS.RESUMED_AT)
                .from(MAINTENANCE_PAUSED_MIRRORS)
                .join(MIRRORS).on(MIRRORS.ID.eq(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID))
                .where(MAINTENANCE_PAUSED_MIRRORS.RUN_ID.eq(runId))
                .orderBy(MIRRORS.NAME, MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID)
                .fetch(r -> new MaintenanceMirror(r.value1(), r.value2(), r.value3(),
                        MaintenanceMirror.State.valueOf(r.value4()), r.value5(), Timestamps.instant(r.value6()),
                        Timestamps.instant(r.value7())));
    }

    /**
     * Moves a recorded mirror to a new state in the window, stamping when it paused or resumed.
     * A mirror already RESUMED or SKIPPED keeps that state (a retried `end`).
     */
    public void setMirrorState(long runId, long mirrorId, MaintenanceMirror.State state, String note) {
        var update = dsl.update(MAINTENANCE_PAUSED_MIRRORS)
                .set(MAINTENANCE_PAUSED_MIRRORS.STATE, state.name())
                .set(MAINTENANCE_PAUSED_MIRRORS.NOTE, note);
        if (state == MaintenanceMirror.State.PAUSED) {
            update = update.set(MAINTENANCE_PAUSED_MIRRORS.PAUSED_AT,
                    DSL.coalesce(MAINTENANCE_PAUSED_MIRRORS.PAUSED_AT, DSL.currentOffsetDateTime()));
        }
        if (state == MaintenanceMirror.State.RESUMED) {
            update = update.set(MAINTENANCE_PAUSED_MIRRORS.RESUMED_AT,
                    DSL.coalesce(MAINTENANCE_PAUSED_MIRRORS.RESUMED_AT, DSL.currentOffsetDateTime()));
        }
        update.where(MAINTENANCE_PAUSED_MIRRORS.RUN_ID.eq(runId))
                .and(MAINTENANCE_PAUSED_MIRRORS.MIRROR_ID.eq(mirrorId))
                .and(MAINTENANCE_PAUSED_MIRRORS.STATE.notIn(MaintenanceMirror.State.RESUMED.name(),
                        MaintenanceMirror.State.SKIPPED.name()))
                .execute();
    }

    private static MaintenanceRun toRun(MaintenanceRunsRecord r) {
        return new MaintenanceRun(r.getId(), r.getWorkflowId(), MaintenanceRun.State.valueOf(r.getState()),
                r.getReason(), Timestamps.instant(r.getStartedAt()), Timestamps.instant(r.getEndedAt()),
                r.getStartedBy());
    }
}
