package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MIRRORS;
import static dev.mirrorflow.catalog.jooq.Tables.MIRROR_EVENTS;
import static dev.mirrorflow.catalog.jooq.Tables.MIRROR_OUTCOMES;
import static dev.mirrorflow.catalog.jooq.Tables.PEERS;

import dev.mirrorflow.catalog.jooq.tables.records.MirrorEventsRecord;
import dev.mirrorflow.catalog.jooq.tables.records.MirrorOutcomesRecord;
import dev.mirrorflow.catalog.jooq.tables.records.MirrorsRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * Mirrors, their append-only history and their outcomes. Every write that changes a mirror's
 * phase writes its event in the same transaction, so the current phase and the history never
 * disagree.
 */
public final class MirrorRepository {

    private final Supplier<DSLContext> dslSource;
    private final DataSource dataSource;

    MirrorRepository(Supplier<DSLContext> dslSource, DataSource dataSource) {
        this.dslSource = dslSource;
        this.dataSource = dataSource;
    }

    private DSLContext dsl() {
        return dslSource.get();
    }

    /**
     * Registers a new mirror in phase CREATED. Both peers must exist and the name must not belong
     * to a live mirror; either failure is a {@link CatalogConflictException} and writes nothing.
     */
    public MirrorRow create(NewMirror m) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            // Key-share locks keep the peers from being dropped until this transaction ends.
            Set<String> found = new TreeSet<>(t.select(PEERS.NAME).from(PEERS)
                    .where(PEERS.NAME.in(m.sourcePeer(), m.destinationPeer()))
                    .forKeyShare()
                    .fetch(PEERS.NAME));
            for (String peer : List.of(m.sourcePeer(), m.destinationPeer())) {
                if (!found.contains(peer)) {
                    throw new CatalogConflictException("peer '" + peer
                            + "' does not exist; create it first (mirrorflow peer create " + peer + " ...)");
                }
            }
            MirrorsRecord row = t.insertInto(MIRRORS)
                    .set(MIRRORS.NAME, m.name())
                    .set(MIRRORS.SOURCE_PEER, m.sourcePeer())
                    .set(MIRRORS.DESTINATION_PEER, m.destinationPeer())
                    .set(MIRRORS.SPEC, JSONB.valueOf(m.spec()))
                    .set(MIRRORS.WORKFLOW_ID, m.workflowId())
                    .set(MIRRORS.PHASE, MirrorPhase.CREATED.name())
                    .onConflictDoNothing()
                    .returning()
                    .fetchOne();
            if (row == null) {
                throw new CatalogConflictException("a mirror named '" + m.name()
                        + "' already exists; drop it first (mirrorflow mirror drop " + m.name() + ") or pick another name");
            }
            appendEvent(t, row.getId(), MirrorEvent.Kind.PHASE, MirrorPhase.CREATED, "created", null, null, null);
            return toRow(row);
        });
    }

    /** The live incarnation of a mirror, if any. */
    public Optional<MirrorRow> findLive(String name) {
        return dsl().selectFrom(MIRRORS)
                .where(MIRRORS.NAME.eq(name).and(MIRRORS.DROPPED_AT.isNull()))
                .fetchOptional()
                .map(MirrorRepository::toRow);
    }

    /** The newest incarnation of a mirror, live or dropped: what `history` shows. */
    public Optional<MirrorRow> findLatest(String name) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.first(dataSource, MIRROR_COLUMNS + " WHERE name = ?"
                + " ORDER BY dropped_at IS NULL DESC, created_at DESC, id DESC LIMIT 1", MirrorRepository::readRow, name);
    }

    public Optional<MirrorRow> findById(long id) {
        return dsl().selectFrom(MIRRORS).where(MIRRORS.ID.eq(id)).fetchOptional().map(MirrorRepository::toRow);
    }

    /** Plain JDBC: it is all `mirror list` reads (see {@link PlainReads}). */
    public List<MirrorRow> listLive() {
        return PlainReads.list(dataSource, MIRROR_COLUMNS + " WHERE dropped_at IS NULL ORDER BY name",
                MirrorRepository::readRow);
    }

    private static final String MIRROR_COLUMNS = "SELECT id, name, source_peer, destination_peer, spec, workflow_id,"
            + " phase, phase_reason, last_error, phase_since, created_at, updated_at, dropped_at FROM "
            + CatalogConfig.SCHEMA + ".mirrors";

    private static MirrorRow readRow(ResultSet rs) throws SQLException {
        return new MirrorRow(rs.getLong("id"), rs.getString("name"), rs.getString("source_peer"),
                rs.getString("destination_peer"), rs.getString("spec"), rs.getString("workflow_id"),
                MirrorPhase.valueOf(rs.getString("phase")), rs.getString("phase_reason"),
                rs.getString("last_error"), PlainReads.instant(rs, "phase_since"),
                PlainReads.instant(rs, "created_at"), PlainReads.instant(rs, "updated_at"),
                PlainReads.instant(rs, "dropped_at"));
    }

    /** Live mirrors in any of the given phases, e.g. the ones maintenance must pause. */
    public List<MirrorRow> listLiveInPhases(Set<MirrorPhase> phases) {
        return dsl().selectFrom(MIRRORS)
                .where(MIRRORS.DROPPED_AT.isNull())
                .and(MIRRORS.PHASE.in(phases.stream().map(Enum::name).toList()))
                .orderBy(MIRRORS.NAME)
                .fetch(MirrorRepository::toRow);
    }

    /**
     * Records a phase change: the mirror's current phase and an event, in one transaction. With
     * an idempotency key, a second call with the same key changes nothing (a retried activity).
     * The last error is cleared on the way into RUNNING and kept otherwise, so a mirror that
     * recovers stops showing an old failure.
     *
     * @return false when the key had been recorded already
     */
    public boolean recordPhase(long mirrorId, MirrorPhase phase, String reason, String error, String idempotencyKey) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            if (!appendEvent(t, mirrorId, MirrorEvent.Kind.PHASE, phase, reason, error, null, idempotencyKey)) {
                return false;
            }
            var update = t.update(MIRRORS)
                    .set(MIRRORS.PHASE, phase.name())
                    .set(MIRRORS.PHASE_REASON, reason)
                    .set(MIRRORS.PHASE_SINCE, DSL.when(MIRRORS.PHASE.eq(phase.name()), MIRRORS.PHASE_SINCE)
                            .otherwise(DSL.currentOffsetDateTime()))
                    .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime());
            if (error != null) {
                update = update.set(MIRRORS.LAST_ERROR, error);
            } else if (phase == MirrorPhase.RUNNING) {
                update = update.set(MIRRORS.LAST_ERROR, (String) null);
            }
            if (update.where(MIRRORS.ID.eq(mirrorId)).execute() != 1) {
                throw new CatalogConflictException("mirror id " + mirrorId + " does not exist in the catalog");
            }
            return true;
        });
    }

    /** Records an error the mirror is retrying past (or failed on) without changing its phase. */
    public boolean recordError(long mirrorId, String error, String idempotencyKey) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            if (!appendEvent(t, mirrorId, MirrorEvent.Kind.ERROR, null, null, error, null, idempotencyKey)) {
                return false;
            }
            t.update(MIRRORS)
                    .set(MIRRORS.LAST_ERROR, error)
                    .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(MIRRORS.ID.eq(mirrorId))
                    .execute();
            return true;
        });
    }

    /** Appends a SIGNAL or INFO event, e.g. "pause requested: maintenance". */
    public boolean recordEvent(long mirrorId, MirrorEvent.Kind kind, String reason, String detailsJson, String idempotencyKey) {
        return dsl().transactionResult(tx ->
                appendEvent(tx.dsl(), mirrorId, kind, null, reason, null, detailsJson, idempotencyKey));
    }

    /**
     * Records a schema change the mirror noticed at its source, once per idempotency key (a batch
     * applied again after a crash notices the same change again).
     *
     * @param table the source table as the spec names it
     * <p>The event's details are {@code {"table": ..., "change": ..., "from": ..., "to": ...}}.
     *
     * @param change what kind of change, e.g. {@code TABLE_RENAMED} or {@code COLUMN_DROPPED}
     * @param from what it was (the old name, the dropped column), or null
     * @param to what it is now (the new name, the added column), or null
     * @param reason the sentence history and status show, which says what mirrorflow did about it
     * @return false when the key had been recorded already
     */
    public boolean recordSchemaChange(long mirrorId, String table, String change, String from, String to,
            String reason, String idempotencyKey) {
        return dsl().transactionResult(tx -> appendSchemaChange(tx.dsl(), mirrorId, table, change, from, to, reason,
                idempotencyKey));
    }

    /** The mirror's schema-change events, newest first. */
    public List<MirrorEvent> schemaChanges(long mirrorId, int limit) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.list(dataSource, "SELECT id, mirror_id, occurred_at, kind, phase, reason, error, details FROM "
                + CatalogConfig.SCHEMA + ".mirror_events WHERE mirror_id = ? AND kind = ?"
                + " ORDER BY occurred_at DESC, id DESC LIMIT ?", rs -> new MirrorEvent(rs.getLong("id"),
                        rs.getLong("mirror_id"), PlainReads.instant(rs, "occurred_at"),
                        MirrorEvent.Kind.valueOf(rs.getString("kind")),
                        rs.getString("phase") == null ? null : MirrorPhase.valueOf(rs.getString("phase")),
                        rs.getString("reason"), rs.getString("error"), rs.getString("details")),
                mirrorId, MirrorEvent.Kind.SCHEMA.name(), limit);
    }

    static boolean appendSchemaChange(DSLContext t, long mirrorId, String table, String change, String from,
            String to, String reason, String idempotencyKey) {
        String details = "{\"table\": " + jsonString(table) + ", \"change\": " + jsonString(change)
                + ", \"from\": " + jsonString(from) + ", \"to\": " + jsonString(to) + "}";
        return appendEvent(t, mirrorId, MirrorEvent.Kind.SCHEMA, null, reason, null, details, idempotencyKey);
    }

    private static String jsonString(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Replaces the stored spec, e.g. after updateConfig changed the batch size. */
    public void updateSpec(long mirrorId, String specJson) {
        dsl().update(MIRRORS)
                .set(MIRRORS.SPEC, JSONB.valueOf(specJson))
                .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MIRRORS.ID.eq(mirrorId))
                .execute();
    }

    /**
     * Saves a spec edit for the mirror's workflow to apply; replaces one saved before.
     *
     * @return false when the mirror is gone (dropped meanwhile)
     */
    public boolean savePendingSpec(long mirrorId, String specJson) {
        return dsl().update(MIRRORS)
                .set(MIRRORS.PENDING_SPEC, JSONB.valueOf(specJson))
                .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MIRRORS.ID.eq(mirrorId).and(MIRRORS.DROPPED_AT.isNull()))
                .execute() == 1;
    }

    /**
     * Saves a spec edit only if none is saved, so that of two edits made at once exactly one
     * is saved and the other is told.
     *
     * @return false when another edit is saved (or the mirror is gone)
     */
    public boolean savePendingSpecIfNone(long mirrorId, String specJson) {
        return dsl().update(MIRRORS)
                .set(MIRRORS.PENDING_SPEC, JSONB.valueOf(specJson))
                .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MIRRORS.ID.eq(mirrorId).and(MIRRORS.DROPPED_AT.isNull()).and(MIRRORS.PENDING_SPEC.isNull()))
                .execute() == 1;
    }

    /** The spec edit waiting to be applied, if any. */
    public Optional<String> pendingSpec(long mirrorId) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.first(dataSource, "SELECT pending_spec FROM " + CatalogConfig.SCHEMA + ".mirrors"
                + " WHERE id = ? AND pending_spec IS NOT NULL", rs -> rs.getString(1), mirrorId);
    }

    /**
     * Withdraws a saved edit that no workflow will apply (its signal could not be sent), as long
     * as it is still the one saved.
     */
    public void withdrawPendingSpec(long mirrorId, String specJson) {
        dsl().update(MIRRORS)
                .setNull(MIRRORS.PENDING_SPEC)
                .where(MIRRORS.ID.eq(mirrorId).and(MIRRORS.PENDING_SPEC.eq(JSONB.valueOf(specJson))))
                .execute();
    }

    /**
     * Makes the saved edit the mirror's spec and records it in the history, in one transaction,
     * if {@code specJson} is still the edit saved (a user may have replaced it meanwhile).
     *
     * @param reason what the edit changed, as history shows it
     * @return whether the edit was applied now; false when it was applied before or replaced
     */
    public boolean applyPendingSpec(long mirrorId, String specJson, String reason, String idempotencyKey) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            int updated = t.update(MIRRORS)
                    .set(MIRRORS.SPEC, JSONB.valueOf(specJson))
                    .setNull(MIRRORS.PENDING_SPEC)
                    .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(MIRRORS.ID.eq(mirrorId).and(MIRRORS.PENDING_SPEC.eq(JSONB.valueOf(specJson))))
                    .execute();
            if (updated == 1) {
                appendEvent(t, mirrorId, MirrorEvent.Kind.EDIT, null, reason, null, null, idempotencyKey);
            }
            return updated == 1;
        });
    }

    /** Marks the incarnation dropped: its name is free again, its history stays. */
    public void markDropped(long mirrorId) {
        dsl().update(MIRRORS)
                .set(MIRRORS.DROPPED_AT, DSL.coalesce(MIRRORS.DROPPED_AT, DSL.currentOffsetDateTime()))
                .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MIRRORS.ID.eq(mirrorId))
                .execute();
    }

    /**
     * Removes a mirror that was registered but whose workflow never started, with its "created"
     * event, so that a create that failed keeps nothing. A mirror that has moved past CREATED or
     * has anything else recorded is left alone.
     *
     * @return whether the mirror was removed
     */
    public boolean deleteNeverStarted(long mirrorId) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            MirrorsRecord row = t.selectFrom(MIRRORS)
                    .where(MIRRORS.ID.eq(mirrorId).and(MIRRORS.PHASE.eq(MirrorPhase.CREATED.name())))
                    .forUpdate()
                    .fetchOne();
            if (row == null || t.fetchExists(MIRROR_EVENTS, MIRROR_EVENTS.MIRROR_ID.eq(mirrorId)
                    .and(MIRROR_EVENTS.PHASE.isDistinctFrom(MirrorPhase.CREATED.name())))) {
                return false;
            }
            t.deleteFrom(MIRROR_EVENTS).where(MIRROR_EVENTS.MIRROR_ID.eq(mirrorId)).execute();
            return t.deleteFrom(MIRRORS).where(MIRRORS.ID.eq(mirrorId)).execute() == 1;
        });
    }

    /** The mirror's history, oldest first; {@code limit} keeps the newest entries. */
    public List<MirrorEvent> history(long mirrorId, int limit) {
        var newest = dsl().selectFrom(MIRROR_EVENTS)
                .where(MIRROR_EVENTS.MIRROR_ID.eq(mirrorId))
                .orderBy(MIRROR_EVENTS.OCCURRED_AT.desc(), MIRROR_EVENTS.ID.desc())
                .limit(limit)
                .fetch(MirrorRepository::toEvent);
        Collections.reverse(newest);
        return newest;
    }

    /** Whether the mirror's history, however long, holds a phase change with this reason. */
    public boolean hasPhaseChange(long mirrorId, String reason) {
        return dsl().fetchExists(MIRROR_EVENTS, MIRROR_EVENTS.MIRROR_ID.eq(mirrorId)
                .and(MIRROR_EVENTS.KIND.eq(MirrorEvent.Kind.PHASE.name()))
                .and(MIRROR_EVENTS.REASON.eq(reason)));
    }

    /**
     * Records how a workflow run ended and moves the mirror to that final phase, in one
     * transaction. Recording the same run twice changes nothing.
     */
    public boolean recordOutcome(MirrorOutcome o) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            int inserted = t.insertInto(MIRROR_OUTCOMES)
                    .set(MIRROR_OUTCOMES.MIRROR_ID, o.mirrorId())
                    .set(MIRROR_OUTCOMES.RUN_ID, o.runId())
                    .set(MIRROR_OUTCOMES.FINAL_PHASE, o.finalPhase().name())
                    .set(MIRROR_OUTCOMES.ROWS_SNAPSHOTTED, o.rowsSnapshotted())
                    .set(MIRROR_OUTCOMES.ROWS_APPLIED, o.rowsApplied())
                    .set(MIRROR_OUTCOMES.BATCHES, o.batches())
                    .set(MIRROR_OUTCOMES.LAST_CHECKPOINT, o.lastCheckpoint())
                    .set(MIRROR_OUTCOMES.ERROR, o.error())
                    .set(MIRROR_OUTCOMES.CLOSED_AT, o.closedAt() == null
                            ? DSL.currentOffsetDateTime() : DSL.val(Timestamps.utc(o.closedAt())))
                    .onConflictDoNothing()
                    .execute();
            if (inserted == 0) {
                return false;
            }
            appendEvent(t, o.mirrorId(), MirrorEvent.Kind.PHASE, o.finalPhase(), "workflow ended", o.error(), null, null);
            var update = t.update(MIRRORS)
                    .set(MIRRORS.PHASE, o.finalPhase().name())
                    .set(MIRRORS.PHASE_REASON, "workflow ended")
                    .set(MIRRORS.PHASE_SINCE, DSL.currentOffsetDateTime())
                    .set(MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime());
            if (o.error() != null) {
                update = update.set(MIRRORS.LAST_ERROR, o.error());
            }
            update.where(MIRRORS.ID.eq(o.mirrorId())).execute();
            return true;
        });
    }

    /** How each workflow run of the mirror ended, oldest first. */
    public List<MirrorOutcome> outcomes(long mirrorId) {
        return dsl().selectFrom(MIRROR_OUTCOMES)
                .where(MIRROR_OUTCOMES.MIRROR_ID.eq(mirrorId))
                .orderBy(MIRROR_OUTCOMES.CLOSED_AT.asc(), MIRROR_OUTCOMES.ID.asc())
                .fetch(MirrorRepository::toOutcome);
    }

    public Optional<MirrorOutcome> latestOutcome(long mirrorId) {
        // Plain JDBC: mirror status reads with it (see PlainReads).
        return PlainReads.first(dataSource, "SELECT mirror_id, run_id, final_phase, rows_snapshotted, rows_applied,"
                + " batches, last_checkpoint, error, closed_at FROM " + CatalogConfig.SCHEMA + ".mirror_outcomes"
                + " WHERE mirror_id = ? ORDER BY closed_at DESC, id DESC LIMIT 1", rs -> new MirrorOutcome(
                        rs.getLong("mirror_id"), rs.getString("run_id"), MirrorPhase.valueOf(rs.getString("final_phase")),
                        rs.getLong("rows_snapshotted"), rs.getLong("rows_applied"), rs.getLong("batches"),
                        rs.getString("last_checkpoint"), rs.getString("error"), PlainReads.instant(rs, "closed_at")),
                mirrorId);
    }

    /** Inserts an event unless its idempotency key is already there; true when inserted. */
    private static boolean appendEvent(DSLContext t, long mirrorId, MirrorEvent.Kind kind, MirrorPhase phase,
            String reason, String error, String detailsJson, String idempotencyKey) {
        return t.insertInto(MIRROR_EVENTS)
                .set(MIRROR_EVENTS.MIRROR_ID, mirrorId)
                .set(MIRROR_EVENTS.KIND, kind.name())
                .set(MIRROR_EVENTS.PHASE, phase == null ? null : phase.name())
                .set(MIRROR_EVENTS.REASON, reason)
                .set(MIRROR_EVENTS.ERROR, error)
                .set(MIRROR_EVENTS.DETAILS, detailsJson == null ? null : JSONB.valueOf(detailsJson))
                .set(MIRROR_EVENTS.IDEMPOTENCY_KEY, idempotencyKey)
                .onConflictDoNothing()
                .execute() == 1;
    }

    private static MirrorRow toRow(MirrorsRecord r) {
        return new MirrorRow(r.getId(), r.getName(), r.getSourcePeer(), r.getDestinationPeer(), r.getSpec().data(),
                r.getWorkflowId(), MirrorPhase.valueOf(r.getPhase()), r.getPhaseReason(), r.getLastError(),
                Timestamps.instant(r.getPhaseSince()), Timestamps.instant(r.getCreatedAt()),
                Timestamps.instant(r.getUpdatedAt()), Timestamps.instant(r.getDroppedAt()));
    }

    private static MirrorEvent toEvent(MirrorEventsRecord r) {
        return new MirrorEvent(r.getId(), r.getMirrorId(), Timestamps.instant(r.getOccurredAt()),
                MirrorEvent.Kind.valueOf(r.getKind()), r.getPhase() == null ? null : MirrorPhase.valueOf(r.getPhase()),
                r.getReason(), r.getError(), r.getDetails() == null ? null : r.getDetails().data());
    }

    private static MirrorOutcome toOutcome(MirrorOutcomesRecord r) {
        return new MirrorOutcome(r.getMirrorId(), r.getRunId(), MirrorPhase.valueOf(r.getFinalPhase()),
                r.getRowsSnapshotted(), r.getRowsApplied(), r.getBatches(), r.getLastCheckpoint(), r.getError(),
                Timestamps.instant(r.getClosedAt()));
    }
}
