package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CdcBatch;
import dev.mirrorflow.connector.ChangeStream;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.PositionProbe;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.model.EditRequest;
import dev.mirrorflow.model.EditResult;
import dev.mirrorflow.model.LoadRequest;
import dev.mirrorflow.model.LoadResult;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.SpecEdit;
import dev.mirrorflow.model.StreamRequest;
import dev.mirrorflow.model.TeardownRequest;
import dev.mirrorflow.workflow.MirrorWorkflow;
import dev.mirrorflow.workflow.activity.MirrorActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each activity of a mirror does, through the connector contracts: the mirror's {@link
 * Source} and {@link Destination} come from {@link Connectors} by peer type, so nothing here knows
 * which databases they are. Every method reads the mirror from the catalog (the connectors read
 * the credentials) and returns counts only; rows never leave the worker.
 */
public final class MirrorActivitiesImpl implements MirrorActivities {

    private static final Logger log = LoggerFactory.getLogger(MirrorActivitiesImpl.class);

    private final Catalog catalog;
    private final Supplier<PeerStore> peers;
    private final Connectors connectors;
    private final MirrorTelemetry telemetry;

    /**
     * @param peers gives the peers with the secret key as it is when asked: the key may appear
     *     (set in the environment, or created by `peer create`) after the worker started
     */
    public MirrorActivitiesImpl(Catalog catalog, Supplier<PeerStore> peers, Connectors connectors) {
        this(catalog, peers, connectors, MirrorTelemetry.noop());
    }

    /** @param telemetry the spans and metrics of the loads and streams, see {@link MirrorTelemetry} */
    public MirrorActivitiesImpl(Catalog catalog, Supplier<PeerStore> peers, Connectors connectors,
            MirrorTelemetry telemetry) {
        this.catalog = catalog;
        this.peers = peers;
        this.connectors = connectors;
        this.telemetry = telemetry;
    }

    @Override
    public void setUp(String mirror) {
        try {
            MirrorContext ctx = context(mirror);
            MirrorSession session = session(ctx);
            // The checks and preparations below are short steps one after another: one login per peer.
            try (Connectors.SessionScope sessions = Connectors.oneSessionPerPeer();
                    Source source = source(session);
                    Destination destination = destination(ctx)) {
                source.validate();
                // Checked again here, as mirror create did: another mirror or a user may have taken
                // a destination table since.
                destination.validate(mirror, ctx.mappings(), source);
                source.setUp();
                Map<TableId, TableSchema> schemas = source.prepare();
                new SchemaChangeLog(catalog, ctx).record(destination.prepare(mirror, ctx.mappings(),
                        List.copyOf(schemas.values())));
                // A mirror without a load is recorded RUNNING right after this returns, and a user may
                // write at once: its stream's position must exist by then. After a resync a load
                // follows instead, which fixes its own position with a consistent view to read at.
                if (!ctx.spec().initialLoad()
                        && !catalog.mirrors().hasPhaseChange(ctx.row().id(), MirrorWorkflow.RESYNC_REASON)) {
                    source.fixStartPosition();
                }
            }
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, mirror, "setting up", e);
        }
    }

    @Override
    public LoadResult load(LoadRequest request) {
        MirrorContext ctx = contextOrFail(request.mirror(), "loading");
        MirrorSession session = session(ctx);
        Heartbeat heartbeat = session.heartbeat();
        try (Source source = source(session);
                Destination destination = destination(ctx)) {
            Map<TableId, TableSchema> schemas = source.prepare();
            SnapshotLoad load = new SnapshotLoad(ctx.row().id(), ctx.name(), request.loadGeneration());
            SnapshotLoadResult result;
            try (PositionProbe probe = source.positionProbe();
                    LoadTelemetry loadTelemetry = telemetry.load(load, probe, catalog.snapshotPartitions())) {
                result = source.load(request.loadGeneration(), schemas, destination, progress -> {
                    loadTelemetry.onProgress(progress);
                    heartbeat.beat(progress.partitionsDone());
                });
            }
            log.info("mirror {}: load {} {} with {} partitions done, {} remaining, {} rows", ctx.name(),
                    request.loadGeneration(), result.isComplete() ? "complete" : "stopped at a partition boundary",
                    result.partitionsDone(), result.partitionsRemaining(), result.rowsCopied());
            return new LoadResult(result.isComplete(), result.rowsCopied(), result.partitionsDone(),
                    result.partitionsDone() + result.partitionsRemaining());
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, ctx.name(), "loading", e);
        }
    }

    @Override
    public void stream(StreamRequest request) {
        MirrorContext ctx = contextOrFail(request.mirror(), "streaming changes");
        MirrorSession session = session(ctx);
        Heartbeat heartbeat = session.heartbeat();
        SchemaChangeLog schemaChanges = new SchemaChangeLog(catalog, ctx);
        try (Source source = source(session);
                Destination destination = destination(ctx)) {
            long firstBatch = catalog.cdcBatches().lastBatchId(ctx.row().id()) + 1;
            AtomicReference<Optional<String>> from = new AtomicReference<>(Optional.empty());
            try (ChangeStream stream = source.openStream(new Source.StreamOptions(request.batchSize(),
                    Duration.ofMillis(request.idleTimeoutMillis()), firstBatch, ctx.spec().batchLinger(),
                    ctx.spec().batchBytes()), schemas -> {
                        schemaChanges.record(destination.prepare(ctx.name(), ctx.mappings(),
                                List.copyOf(schemas.values())));
                        from.set(destination.checkpoint(ctx.name()));
                        return from.get();
                    });
                    PositionProbe probe = source.positionProbe();
                    StreamTelemetry streamTelemetry = telemetry.stream(ctx.name(), probe)) {
                // A stop heard by the worker's heartbeat thread ends the wait for the next batch at once.
                heartbeat.onStopRequested(stream::wake);
                // Each batch starts after the position the one before it ended at.
                AtomicReference<String> previousEnd = new AtomicReference<>(from.get().orElse(null));
                ChangeStreamRunner.Result result = new ChangeStreamRunner(ctx.name()).run(stream, destination,
                        heartbeat::stopRequested, () -> {
                            heartbeat.beat(null);
                            streamTelemetry.tick();
                        }, (batch, applied, started, ended) -> {
                            catalog.cdcBatches().record(new CdcBatch(ctx.row().id(), batch.batchId(),
                                    applied.rowsApplied(), applied.bytesApplied(),
                                    previousEnd.getAndSet(batch.position()), batch.position(), started, ended));
                            // Only now that the batch is committed: a batch that fails is read again,
                            // and what it noticed with it.
                            schemaChanges.record(batch.schemaChanges());
                            streamTelemetry.batchApplied(batch, applied, started, ended);
                            heartbeat.beat(batch.position());
                        });
                log.info("mirror {} stopped streaming at a batch boundary after {} batches ({} rows), at {}",
                        ctx.name(), result.batches(), result.rows(), result.lastPosition());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActivityFailures.toFailure(catalog, ctx.name(), "streaming changes", e);
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, ctx.name(), "streaming changes", e);
        }
    }

    @Override
    public EditResult applyEdit(EditRequest request) {
        MirrorContext ctx = contextOrFail(request.mirror(), "applying a spec edit");
        MirrorSession session = session(ctx);
        long mirrorId = ctx.row().id();
        long rows = 0;
        try {
            // A user may replace the saved edit while this runs (the mirror failed meanwhile): the
            // newest one is applied, and the workflow takes its settings up from its own signal.
            for (int round = 0; round < 3; round++) {
                Optional<String> pending = catalog.mirrors().pendingSpec(mirrorId);
                if (pending.isEmpty()) {
                    return new EditResult(true, rows);
                }
                MirrorSpec next = MirrorContext.readSpec(ctx.name(), pending.get());
                SpecEdit edit = SpecEdit.between(ctx.spec(), next);
                MirrorContext edited = ctx.withSpec(next);
                List<TableMapping> added = edited.mappings().stream()
                        .filter(m -> edit.addedTables().contains(m.source().toString())).toList();
                List<TableMapping> removed = ctx.mappings().stream()
                        .filter(m -> edit.removedTables().contains(m.source().toString())).toList();
                MirrorSession editedSession = session.withSpec(next, edited.mappings());
                try (Source source = source(editedSession);
                        Destination destination = destination(edited)) {
                    Map<TableId, TableSchema> schemas = Map.of();
                    if (!added.isEmpty()) {
                        schemas = setUpAddedTables(edited, source, destination, added, request.loadAddedTables());
                    }
                    if (!removed.isEmpty()) {
                        letGoOf(ctx, source, destination, removed, request.loadGeneration());
                    }
                    if (request.loadAddedTables() && !added.isEmpty()) {
                        SnapshotLoadResult result = source.loadAddedTables(added, schemas, request.loadGeneration(),
                                destination);
                        rows += result.rowsCopied();
                        if (result.partitionsRemaining() > 0) {
                            log.info("mirror {}: the edit's load stopped at a partition boundary, {} partition(s)"
                                    + " remain", ctx.name(), result.partitionsRemaining());
                            return new EditResult(false, rows);
                        }
                    }
                }
                long loaded = rows;
                String reason = "spec edited: " + edit.description()
                        + (edit.loadsRows() && request.loadAddedTables() ? " (" + loaded + " rows loaded)" : "");
                if (catalog.mirrors().applyPendingSpec(mirrorId, pending.get(), reason, null)) {
                    log.info("mirror {}: {}", ctx.name(), reason);
                    telemetry.forget(ctx.name());
                    return new EditResult(true, rows);
                }
            }
            throw new IllegalStateException("the saved spec edit changed three times while it was being applied;"
                    + " edit the mirror once more when nobody else does");
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, ctx.name(), "applying a spec edit", e);
        }
    }

    /**
     * Checks and sets up the tables an edit adds as setup does for a new mirror: the source
     * tables (keys, privileges) before the stream reads them, the destination tables (not
     * another mirror's, nor holding rows a load would keep) before they are created.
     *
     * @return the source schemas of the edited mirror's tables
     */
    private Map<TableId, TableSchema> setUpAddedTables(MirrorContext edited, Source source, Destination destination,
            List<TableMapping> added, boolean loading) {
        // The source is checked inside addTables, before the publication gets the tables.
        destination.validate(edited.name(), added, source);
        if (loading) {
            destination.refuseRowsToKeep(edited.name(), added);
        }
        Map<TableId, TableSchema> schemas = source.addTables(added, loading);
        new SchemaChangeLog(catalog, edited).record(destination.prepare(edited.name(), added,
                added.stream().map(m -> schemas.get(m.source())).toList()));
        return schemas;
    }

    /**
     * Lets go of the tables an edit removes: the source no longer streams them, their
     * destination tables are kept with their rows and are no longer the mirror's, and the
     * catalog's record of them and of their load is gone, so that adding one back loads it
     * afresh.
     */
    private void letGoOf(MirrorContext ctx, Source source, Destination destination, List<TableMapping> removed,
            int loadGeneration) {
        source.releaseTables(removed);
        destination.release(ctx.name(), removed);
        for (TableMapping mapping : removed) {
            catalog.sourceTables().forget(ctx.row().id(), mapping.source().toString());
            catalog.sourcePartitions().forget(ctx.row().id(), mapping.source().toString());
            catalog.snapshotPartitions().deleteTable(ctx.row().id(), loadGeneration, mapping.source().toString());
        }
    }

    @Override
    public void resetForResync(LoadRequest nextLoad) {
        MirrorContext ctx = contextOrFail(nextLoad.mirror(), "resetting for a resync");
        try (Source source = source(session(ctx));
                Destination destination = destination(ctx)) {
            source.resetForResync();
            // A mirror created before this was refused may map a source table onto itself.
            destination.forgetForResync(ctx.name(), destination.withoutSourceTables(ctx.mappings(), source));
            // The reload copies the tables that have the spec's names now, and follows those.
            catalog.sourceTables().forget(ctx.row().id());
            catalog.sourcePartitions().forget(ctx.row().id());
            telemetry.forget(ctx.name());
            log.info("mirror {} reset for load generation {}", ctx.name(), nextLoad.loadGeneration());
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, ctx.name(), "resetting for a resync", e);
        }
    }

    @Override
    public void tearDown(TeardownRequest request) {
        int attempt = Activity.getExecutionContext().getInfo().getAttempt();
        try {
            new MirrorTeardown(catalog, peers, connectors).run(request, attempt);
        } finally {
            telemetry.forget(request.mirror());
        }
    }

    private MirrorContext context(String mirror) {
        return MirrorContext.load(catalog, peers.get(), mirror);
    }

    /** The mirror's context; failing to read it (a missing key, say) is recorded on the mirror. */
    private MirrorContext contextOrFail(String mirror, String doing) {
        try {
            return context(mirror);
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, mirror, doing, e);
        }
    }

    private MirrorSession session(MirrorContext ctx) {
        ActivityExecutionContext activity = Activity.getExecutionContext();
        return ctx.session(catalog, ActivityHeartbeat.of(activity), activity.getInfo().getAttempt());
    }

    private Source source(MirrorSession session) {
        return connectors.source(session, peers.get());
    }

    private Destination destination(MirrorContext ctx) {
        return connectors.destination(ctx.spec().destination(), peers.get());
    }
}
