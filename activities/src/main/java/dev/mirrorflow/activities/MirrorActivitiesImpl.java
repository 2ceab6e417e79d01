package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CdcBatch;
import dev.mirrorflow.catalog.SourcePartition;
import dev.mirrorflow.catalog.SourceTable;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.slot.AcquiredSlot;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.setup.PartitionTree;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotRetryPolicy;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.postgres.SourceException;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.setup.SourceSetup;
import dev.mirrorflow.connector.postgres.setup.SourceTableLookup;
import dev.mirrorflow.connector.postgres.setup.SourceValidator;
import dev.mirrorflow.connector.postgres.slot.ExportedSnapshot;
import dev.mirrorflow.connector.postgres.destination.DestinationValidator;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.connector.postgres.snapshot.SnapshotLoad;
import dev.mirrorflow.connector.postgres.snapshot.SnapshotLoadOptions;
import dev.mirrorflow.connector.postgres.snapshot.SnapshotLoadResult;
import dev.mirrorflow.connector.postgres.snapshot.SnapshotLoader;
import dev.mirrorflow.connector.postgres.snapshot.TableLoad;
import dev.mirrorflow.connector.postgres.stream.ChangeStreamRunner;
import dev.mirrorflow.connector.postgres.stream.ChangeStreamSettings;
import dev.mirrorflow.connector.postgres.stream.FollowedTables;
import dev.mirrorflow.connector.postgres.stream.PostgresChangeStream;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data path of PostgreSQL to PostgreSQL mirrors. Every method reads the mirror from the
 * catalog (credentials included) and returns counts only; rows never leave the worker.
 */
public final class MirrorActivitiesImpl implements MirrorActivities {

    private static final Logger log = LoggerFactory.getLogger(MirrorActivitiesImpl.class);

    /**
     * How often a stream checks that the source tables it follows still exist, and that the
     * partitions of its partitioned tables changed only in ways the stream carries: 10 s, or the
     * system property {@value #SOURCE_CHECK_INTERVAL_PROPERTY} in milliseconds (the build's tests
     * check every 2 s).
     */
    public static final String SOURCE_CHECK_INTERVAL_PROPERTY = "mirrorflow.source-check-interval-ms";

    private static final Duration SOURCE_TABLE_CHECK_INTERVAL =
            Duration.ofMillis(Long.getLong(SOURCE_CHECK_INTERVAL_PROPERTY, 10_000));

    private final Catalog catalog;
    private final Supplier<PeerStore> peers;
    private final SlotAcquirer slots;
    private final Duration heartbeatInterval;
    private final MirrorTelemetry telemetry;

    /**
     * @param peers gives the peers with the secret key as it is when asked: the key may appear
     *     (set in the environment, or created by `peer create`) after the worker started
     * @param heartbeatInterval how often a quiet source gets a logical message so that its slot
     *     keeps moving
     */
    public MirrorActivitiesImpl(Catalog catalog, Supplier<PeerStore> peers, SlotAcquirer slots,
            Duration heartbeatInterval) {
        this(catalog, peers, slots, heartbeatInterval, MirrorTelemetry.noop());
    }

    /** @param telemetry the spans and metrics of the loads and streams, see {@link MirrorTelemetry} */
    public MirrorActivitiesImpl(Catalog catalog, Supplier<PeerStore> peers, SlotAcquirer slots,
            Duration heartbeatInterval, MirrorTelemetry telemetry) {
        this.catalog = catalog;
        this.peers = peers;
        this.slots = slots;
        this.heartbeatInterval = heartbeatInterval;
        this.telemetry = telemetry;
    }

    @Override
    public void setUp(String mirror) {
        try {
            MirrorContext ctx = context(mirror);
            SourceValidator.validate(ctx.source(), ctx.mirrorSource());
            // Checked again here, as mirror create did: another mirror or a user may have taken
            // a destination table since.
            DestinationValidator.validate(mirror, ctx.source(), ctx.destination(), ctx.mappings());
            SourceSetup.ensurePublication(ctx.source(), ctx.mirrorSource());
            try (Connection sql = connectToSource(ctx);
                    PostgresDestination destination = new PostgresDestination(ctx.destinationDataSource())) {
                Followed followed = follow(ctx, sql);
                new SchemaChangeLog(catalog, ctx).record(destination.prepare(mirror, ctx.mappings(),
                        List.copyOf(sourceSchemas(ctx, sql, followed).values())));
            } catch (SQLException e) {
                throw SourceFailureClassifier.classify(e, SourceOperation.of("finding the source tables",
                        ctx.source(), ctx.mirrorSource()));
            }
            // A mirror without a load is recorded RUNNING right after this returns, and a user may
            // write at once: its slot must exist by then. After a resync a load follows instead,
            // which creates the slot itself with an exported snapshot to read at.
            if (!ctx.spec().initialLoad()
                    && !catalog.mirrors().hasPhaseChange(ctx.row().id(), MirrorWorkflow.RESYNC_REASON)) {
                int attempt = Activity.getExecutionContext().getInfo().getAttempt();
                try (AcquiredSlot slot = slotsOf(ctx).acquire(ctx.source(), ctx.mirrorSource(), attempt)) {
                    new SlotCreationWait(catalog, ctx, new ActivityHeartbeat(Activity.getExecutionContext()))
                            .run(() -> SourceSetup.createSlotIfMissing(slot));
                }
            }
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, mirror, "setting up", e);
        }
    }

    @Override
    public LoadResult load(LoadRequest request) {
        ActivityExecutionContext activity = Activity.getExecutionContext();
        MirrorContext ctx = contextOrFail(request.mirror(), "loading");
        int attempt = activity.getInfo().getAttempt();
        ActivityHeartbeat heartbeat = new ActivityHeartbeat(activity);
        // The slot comes first: its exported snapshot is what the load reads, so that the load and
        // the stream from the slot's consistent point add up to exactly the source. The snapshot
        // stays importable while this slot's connection stays open and idle, i.e. for the load.
        try (AcquiredSlot slot = slotsOf(ctx).acquire(ctx.source(), ctx.mirrorSource(), attempt)) {
            // Partitions copied at a lost slot's snapshot do not join up with a new slot's stream.
            if (catalog.snapshotPartitions().progress(ctx.row().id(), request.loadGeneration()).partitionsDone() > 0) {
                SourceSetup.requireSlot(slot, "the partitions loaded so far no longer match any change stream");
            }
            Optional<ExportedSnapshot> exported = new SlotCreationWait(catalog, ctx, heartbeat)
                    .run(() -> SourceSetup.createSlotIfMissing(slot));
            if (exported.isEmpty()) {
                log.info("mirror {}: the slot existed already, so the rest of the load reads fresh snapshots and the"
                        + " stream replays from the slot's position onto idempotent apply", ctx.name());
            }
            Map<TableId, TableSchema> schemas = sourceSchemas(ctx);
            List<TableLoad> tables = ctx.mappings().stream()
                    .map(m -> new TableLoad(m, schemas.get(m.source()))).toList();
            SnapshotLoader loader = new SnapshotLoader(catalog, ctx.source()::connect, ctx.destination()::connect,
                    new SnapshotLoadOptions(ctx.spec().snapshot().parallelism(),
                            ctx.spec().snapshot().rowsPerPartition(), Duration.ofSeconds(5)));
            SnapshotLoad load = new SnapshotLoad(ctx.row().id(), ctx.name(), request.loadGeneration());
            loader.plan(load, tables);
            SnapshotLoadResult result;
            try (LoadTelemetry loadTelemetry = telemetry.load(load, slot.slot(), ctx.source()::connect,
                    catalog.snapshotPartitions())) {
                result = loader.run(load, tables, exported.map(ExportedSnapshot::snapshotName), progress -> {
                    loadTelemetry.onProgress(progress);
                    heartbeat.beat(progress.partitionsDone());
                }, heartbeat::stopRequested);
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
        ActivityExecutionContext activity = Activity.getExecutionContext();
        MirrorContext ctx = contextOrFail(request.mirror(), "streaming changes");
        int attempt = activity.getInfo().getAttempt();
        ActivityHeartbeat heartbeat = new ActivityHeartbeat(activity);
        try (AcquiredSlot slot = slotsOf(ctx).acquire(ctx.source(), ctx.mirrorSource(), attempt);
                Connection sql = ctx.source().connect();
                PostgresDestination destination = new PostgresDestination(ctx.destinationDataSource())) {
            // The tables by identity first: one renamed while the mirror was stopped is read under
            // its new name, and one dropped fails the mirror here rather than go quiet. (On the
            // connection the stream takes over later: one connection less before the slot is used.)
            Followed followed = follow(ctx, sql);
            SchemaChangeLog schemaChanges = new SchemaChangeLog(catalog, ctx);
            schemaChanges.record(destination.prepare(ctx.name(), ctx.mappings(),
                    List.copyOf(sourceSchemas(ctx, sql, followed).values())));
            SourceTableWatch watch = followed.watch(ctx.name(), ctx.source()::connect);
            Optional<String> checkpoint = destination.checkpoint(ctx.name());
            // The load or, for a mirror without one, the setup created the slot before the mirror
            // was recorded RUNNING: a new one would skip the changes made since. A mirror set up
            // by a version that left the slot to the stream fails here too, as changes may have
            // been made since it was recorded RUNNING; a resync loads it again.
            SourceSetup.requireSlot(slot, "the changes made since " + checkpoint.orElse(
                    ctx.spec().initialLoad() ? "the initial load" : "the mirror was set up")
                    + " are lost to this mirror");
            Lsn from = checkpoint.map(Lsn::valueOf).orElse(Lsn.INVALID);
            // Only the mirror's tables: the publication may have others (see SourceSetup).
            ChangeStreamSettings settings = new ChangeStreamSettings(ctx.mirrorSource().slot(),
                    ctx.mirrorSource().publication(), request.batchSize(),
                    Duration.ofMillis(request.idleTimeoutMillis()), Duration.ofSeconds(10), heartbeatInterval,
                    Set.copyOf(ctx.mirrorSource().tables()));
            long firstBatch = catalog.cdcBatches().lastBatchId(ctx.row().id()) + 1;
            // Each batch starts after the position the one before it ended at.
            AtomicReference<String> previousEnd = new AtomicReference<>(from.isValid() ? from.toString() : null);
            try (PostgresChangeStream stream = start(slot, sql, settings, from, firstBatch, followed.tables(), ctx,
                    attempt);
                    StreamTelemetry streamTelemetry = telemetry.stream(ctx.name(), slot.slot(),
                            ctx.source()::connect)) {
                PartitionTreeWatch partitions = followed.partitionWatch(ctx, catalog, stream);
                ChangeStreamRunner.Result result = new ChangeStreamRunner(ctx.name()).run(stream, destination,
                        heartbeat::stopRequested, () -> {
                            heartbeat.beat(null);
                            streamTelemetry.tick();
                            watch.checkIfDue();
                            partitions.checkIfDue();
                        }, (batch, applied, started, ended) -> {
                            catalog.cdcBatches().record(new CdcBatch(ctx.row().id(), batch.batchId(),
                                    applied.rowsApplied(), applied.bytesApplied(),
                                    previousEnd.getAndSet(batch.position()), batch.position(), started, ended));
                            // Only now that the batch is committed: a batch that fails is read again,
                            // and what it noticed with it.
                            schemaChanges.record(batch.schemaChanges());
                            batch.schemaChanges().stream().filter(c -> c.kind() == SchemaChange.Kind.TABLE_RENAMED)
                                    .forEach(c -> watch.renamed(c.table(), TableId.parse(c.to())));
                            watch.checkIfDue();
                            // A truncate of a partitioned table gave its partitions new storage:
                            // recorded at once, a restart does not take it for a partition's own.
                            if (batch.changes().stream().anyMatch(change -> change instanceof Change.Truncate)) {
                                partitions.check();
                            } else {
                                partitions.checkIfDue();
                            }
                            streamTelemetry.batchApplied(batch, applied, started, ended);
                            heartbeat.beat(batch.position());
                        });
                log.info("mirror {} stopped streaming at a batch boundary after {} batches ({} rows), at {}",
                        ctx.name(), result.batches(), result.rows(), result.lastPosition());
            }
        } catch (SQLException e) {
            throw ActivityFailures.toFailure(catalog, ctx.name(), "streaming changes",
                    SourceFailureClassifier.classify(e, SourceOperation.of("streaming changes", ctx.source(),
                            ctx.mirrorSource())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActivityFailures.toFailure(catalog, ctx.name(), "streaming changes", e);
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, ctx.name(), "streaming changes", e);
        }
    }

    @Override
    public EditResult applyEdit(EditRequest request) {
        ActivityExecutionContext activity = Activity.getExecutionContext();
        MirrorContext ctx = contextOrFail(request.mirror(), "applying a spec edit");
        ActivityHeartbeat heartbeat = new ActivityHeartbeat(activity);
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
                Map<TableId, TableSchema> schemas = Map.of();
                if (!added.isEmpty()) {
                    schemas = setUpAddedTables(edited, added, request.loadAddedTables());
                }
                if (!removed.isEmpty()) {
                    letGoOf(ctx, removed, request.loadGeneration());
                }
                if (request.loadAddedTables() && !added.isEmpty()) {
                    Map<TableId, TableSchema> known = schemas;
                    List<TableLoad> tables = added.stream().map(m -> new TableLoad(m, known.get(m.source()))).toList();
                    SnapshotLoadResult result = loadAddedTables(edited, added, tables, request.loadGeneration(),
                            heartbeat);
                    rows += result.rowsCopied();
                    if (result.partitionsRemaining() > 0) {
                        log.info("mirror {}: the edit's load stopped at a partition boundary, {} partition(s) remain",
                                ctx.name(), result.partitionsRemaining());
                        return new EditResult(false, rows);
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
     * Copies the added tables, every partition at one snapshot exported for this attempt and
     * taken after the tables joined the publication. The stream then goes on from its checkpoint,
     * before that, and replays onto the idempotent apply the changes the copy already holds: a
     * row the snapshot has is there to be updated, and one it lacks was deleted before it, which
     * a later change replays. A snapshot lives only as long as its exporting transaction, so an
     * attempt that finds partitions of an earlier one (a crash, a pause) empties the added tables
     * and copies them again: partitions read at two snapshots could both miss a row that an
     * update moved between them, and a replayed update whose TOAST values were unchanged could
     * not bring it back.
     */
    private SnapshotLoadResult loadAddedTables(MirrorContext edited, List<TableMapping> added, List<TableLoad> tables,
            int loadGeneration, ActivityHeartbeat heartbeat) {
        long mirrorId = edited.row().id();
        SnapshotLoad load = new SnapshotLoad(mirrorId, edited.name(), loadGeneration);
        java.util.Set<String> names = new java.util.HashSet<>();
        tables.forEach(t -> names.add(t.partitionTableName()));
        boolean earlierAttempt = catalog.snapshotPartitions().list(mirrorId, loadGeneration).stream()
                .anyMatch(p -> names.contains(p.tableName()));
        if (earlierAttempt) {
            log.info("mirror {}: an earlier attempt loaded part of {} at another snapshot; loading them again",
                    edited.name(), names);
            try (PostgresDestination destination = new PostgresDestination(edited.destinationDataSource())) {
                destination.emptyForReload(edited.name(), added);
            }
            names.forEach(table -> catalog.snapshotPartitions().deleteTable(mirrorId, loadGeneration, table));
        }
        SnapshotLoader loader = new SnapshotLoader(catalog, edited.source()::connect, edited.destination()::connect,
                new SnapshotLoadOptions(edited.spec().snapshot().parallelism(),
                        edited.spec().snapshot().rowsPerPartition(), Duration.ofSeconds(5)));
        try (Connection exporting = edited.source().connect(); Statement st = exporting.createStatement()) {
            exporting.setAutoCommit(true);
            st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            String snapshot;
            try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            SnapshotLoadResult result = loader.run(load, tables, Optional.of(snapshot),
                    progress -> heartbeat.beat(progress.partitionsDone()), heartbeat::stopRequested);
            if (result.exportedSnapshotLost()) {
                // Retried: the next attempt loads the added tables again at one snapshot.
                throw new IllegalStateException("the snapshot the edit's load read was lost with its connection");
            }
            return result;
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, SourceOperation.of("exporting a snapshot for the edit's load",
                    edited.source(), edited.mirrorSource()));
        }
    }

    /**
     * Checks and sets up the tables an edit adds as setup does for a new mirror: the source
     * tables (keys, privileges) before the publication gets them, the destination tables (not
     * another mirror's, nor holding rows a load would keep) before they are created.
     *
     * @return the source schemas of the edited mirror's tables
     */
    private Map<TableId, TableSchema> setUpAddedTables(MirrorContext edited, List<TableMapping> added,
            boolean loading) {
        SourceValidator.validate(edited.source(), edited.mirrorSource());
        DestinationValidator.validate(edited.name(), edited.source(), edited.destination(), added);
        if (loading) {
            DestinationValidator.refuseRowsToKeep(edited.name(), edited.destination(), added);
        }
        SourceSetup.ensurePublication(edited.source(), edited.mirrorSource());
        // A transaction that wrote to an added table before it joined the publication and commits
        // after is not streamed (its changes were made before), and a snapshot taken before it
        // commits does not show it either: whatever copies the table must start after it ended.
        new SlotCreationWait(catalog, edited, new ActivityHeartbeat(Activity.getExecutionContext()),
                "adding " + added.stream().map(m -> m.source().toString()).collect(java.util.stream.Collectors
                        .joining(", ")) + " to the publication").run(() -> {
                            SourceSetup.awaitTransactionsRunningNow(edited.source(), edited.mirrorSource());
                            return null;
                        });
        try (Connection sql = connectToSource(edited);
                PostgresDestination destination = new PostgresDestination(edited.destinationDataSource())) {
            Followed followed = follow(edited, sql);
            Map<TableId, TableSchema> schemas = sourceSchemas(edited, sql, followed);
            new SchemaChangeLog(catalog, edited).record(destination.prepare(edited.name(), added,
                    added.stream().map(m -> schemas.get(m.source())).toList()));
            return schemas;
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, SourceOperation.of("finding the source tables", edited.source(),
                    edited.mirrorSource()));
        }
    }

    /**
     * Lets go of the tables an edit removes: out of the mirror's own publication (a named one may
     * be shared and stays as it is; the stream ignores tables the mirror does not map), their
     * destination tables kept with their rows and no longer the mirror's, and the catalog's
     * record of them and of their load gone, so that adding one back loads it afresh.
     */
    private void letGoOf(MirrorContext ctx, List<TableMapping> removed, int loadGeneration) {
        if (ctx.spec().hasDefaultPublication()) {
            SourceSetup.removeFromPublication(ctx.source(), ctx.mirrorSource(),
                    removed.stream().map(TableMapping::source).toList());
        }
        try (PostgresDestination destination = new PostgresDestination(ctx.destinationDataSource())) {
            destination.release(ctx.name(), removed);
        }
        for (TableMapping mapping : removed) {
            catalog.sourceTables().forget(ctx.row().id(), mapping.source().toString());
            catalog.sourcePartitions().forget(ctx.row().id(), mapping.source().toString());
            catalog.snapshotPartitions().deleteTable(ctx.row().id(), loadGeneration, mapping.source().toString());
        }
    }

    /** START_REPLICATION on a slot another process streams from is retried like a busy slot. */
    private PostgresChangeStream start(AcquiredSlot slot, Connection sql, ChangeStreamSettings settings, Lsn from,
            long firstBatch, FollowedTables followed, MirrorContext ctx, int attempt) throws SQLException {
        try {
            return PostgresChangeStream.start(slot.connection(), sql, settings, from, firstBatch, followed);
        } catch (SQLException e) {
            SourceException failure = SourceFailureClassifier.classify(e, SourceOperation.of("starting replication",
                    ctx.source(), ctx.mirrorSource()).withSlot(ctx.mirrorSource().slot()));
            throw slotsOf(ctx).reportFailedAttempt(failure, ctx.mirrorSource(), attempt);
        }
    }

    @Override
    public void resetForResync(LoadRequest nextLoad) {
        MirrorContext ctx = contextOrFail(nextLoad.mirror(), "resetting for a resync");
        int attempt = Activity.getExecutionContext().getInfo().getAttempt();
        try (AcquiredSlot slot = slotsOf(ctx).acquire(ctx.source(), ctx.mirrorSource(), attempt);
                PostgresDestination destination = new PostgresDestination(ctx.destinationDataSource())) {
            // A fresh slot gives the reload an exported snapshot that matches the stream.
            SourceSetup.dropSlotIfExists(slot);
            // A mirror created before this was refused may map a source table onto itself.
            destination.forgetForResync(ctx.name(),
                    DestinationValidator.withoutSourceTables(ctx.source(), ctx.destination(), ctx.mappings()));
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
            // The slot's attempts are logged by the teardown's own bounded retry, not the stream's.
            new MirrorTeardown(catalog, peers, slots.withPolicy(SlotRetryPolicy.from(TeardownRequest.RETRY)))
                    .run(request, attempt);
        } finally {
            telemetry.forget(request.mirror());
        }
    }

    private MirrorContext context(String mirror) {
        return MirrorContext.load(catalog, peers.get(), mirror);
    }

    /** The mirror's context; failing to read it (a missing key, say) is recorded on the mirror. */
    /** The slot acquirer with the mirror's own retry settings, which its activities retry by. */
    private SlotAcquirer slotsOf(MirrorContext ctx) {
        return slots.withPolicy(SlotRetryPolicy.from(ctx.spec().retry()));
    }

    private MirrorContext contextOrFail(String mirror, String doing) {
        try {
            return context(mirror);
        } catch (RuntimeException e) {
            throw ActivityFailures.toFailure(catalog, mirror, doing, e);
        }
    }

    private static Connection connectToSource(MirrorContext ctx) {
        try {
            return ctx.source().connect();
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, SourceOperation.of("connecting to the source", ctx.source(),
                    ctx.mirrorSource()));
        }
    }

    private static Map<TableId, TableSchema> sourceSchemas(MirrorContext ctx) {
        try (Connection c = ctx.source().connect()) {
            return new SourceSchemaReader(c).read(ctx.mappings().stream().map(TableMapping::source).toList());
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, SourceOperation.of("reading the source tables", ctx.source(),
                    ctx.mirrorSource()));
        }
    }

    /**
     * The source schemas under the spec's table ids, read from the tables the mirror follows
     * whatever they are called now.
     */
    private static Map<TableId, TableSchema> sourceSchemas(MirrorContext ctx, Connection c, Followed followed) {
        List<TableId> specTables = ctx.mappings().stream().map(TableMapping::source).toList();
        List<TableId> current = specTables.stream().map(t -> followed.currentNames().getOrDefault(t, t)).toList();
        try {
            Map<TableId, TableSchema> read = new SourceSchemaReader(c).read(current);
            Map<TableId, TableSchema> schemas = new LinkedHashMap<>();
            for (int i = 0; i < specTables.size(); i++) {
                schemas.put(specTables.get(i), new TableSchema(specTables.get(i), read.get(current.get(i)).columns()));
            }
            return schemas;
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, SourceOperation.of("reading the source tables", ctx.source(),
                    ctx.mirrorSource()));
        }
    }

    /**
     * What the mirror follows at the source: its tables by relation OID, with what the stream
     * compares Relation messages against.
     *
     * @param currentNames the spec's tables by the names they have now
     * @param knownNames the spec's tables by the names the mirror last recorded for them
     */
    private record Followed(FollowedTables tables, Map<TableId, TableId> currentNames,
            Map<TableId, TableId> knownNames, Map<Long, TableId> oids, List<PartitionTreeWatch.Watched> partitioned) {

        PartitionTreeWatch partitionWatch(MirrorContext ctx, Catalog catalog, PostgresChangeStream stream) {
            return new PartitionTreeWatch(ctx.name(), ctx.row().id(), catalog.sourcePartitions(), ctx.source()::connect,
                    partitioned, new PartitionTreeWatch.StreamProgress() {
                        @Override
                        public Lsn confirmedPosition() {
                            return stream.confirmedPosition();
                        }

                        @Override
                        public boolean truncated(long xid, long relationOid) {
                            return stream.truncated(xid, relationOid);
                        }
                    }, SOURCE_TABLE_CHECK_INTERVAL);
        }

        SourceTableWatch watch(String mirror, SourceTableWatch.SourceConnections source) {
            Map<Long, SourceTableWatch.Watched> watched = new LinkedHashMap<>();
            oids.forEach((oid, table) -> watched.put(oid, new SourceTableWatch.Watched(table, knownNames.get(table))));
            return new SourceTableWatch(mirror, source, watched, SOURCE_TABLE_CHECK_INTERVAL);
        }
    }

    /**
     * Finds the mirror's source tables by the relation OIDs recorded in the catalog, and records
     * the OIDs of tables that have none yet by their spec names (new mirrors, and mirrors set up
     * before OIDs were recorded). A recorded table that no longer exists fails the mirror: it was
     * dropped, and a table now called the same is another table whose rows were never copied.
     * The partitions of a partitioned table are recorded too, the first time it is followed, so
     * that the stream can tell the changes to them that it does not carry (see
     * {@link PartitionTreeWatch}).
     */
    private Followed follow(MirrorContext ctx, Connection c) {
        long mirrorId = ctx.row().id();
        Map<String, SourceTable> recorded = new HashMap<>();
        catalog.sourceTables().list(mirrorId).forEach(t -> recorded.put(t.sourceTable(), t));
        Map<Integer, FollowedTables.Table> byOid = new HashMap<>();
        Map<TableId, TableId> currentNames = new HashMap<>();
        Map<TableId, TableId> knownNames = new HashMap<>();
        Map<Long, TableId> oids = new LinkedHashMap<>();
        List<PartitionTreeWatch.Watched> partitioned = new ArrayList<>();
        try {
            SourceTableLookup tables = new SourceTableLookup(c);
            PartitionTree trees = new PartitionTree(c);
            for (TableMapping mapping : ctx.mappings()) {
                TableId table = mapping.source();
                SourceTable known = recorded.get(table.toString());
                Optional<SourceTableLookup.Found> found;
                TableId knownName;
                if (known != null) {
                    knownName = TableId.parse(known.currentName());
                    found = tables.byOid(known.relationOid());
                    if (found.isEmpty()) {
                        throw new SourceConfigurationException(SourceConfigurationException.Problem.TABLE_MISSING,
                                tables.droppedMessage(ctx.name(), table, knownName, known.relationOid()), null);
                    }
                } else {
                    knownName = table;
                    found = tables.byName(table);
                    if (found.isEmpty()) {
                        // Reading its schema fails with the usual message for a missing table.
                        continue;
                    }
                    catalog.sourceTables().recordIfAbsent(mirrorId, table.toString(), found.get().relationOid(),
                            found.get().currentName().toString());
                }
                SourceTableLookup.Found f = found.get();
                byOid.put((int) f.relationOid(), new FollowedTables.Table(table, knownName, f.columns()));
                currentNames.put(table, f.currentName());
                knownNames.put(table, knownName);
                oids.put(f.relationOid(), table);
                List<PartitionTree.Member> tree = trees.read(f.relationOid());
                if (!tree.isEmpty()) {
                    catalog.sourcePartitions().recordIfAbsent(mirrorId, table.toString(), tree.stream()
                            .filter(m -> m.leaf() || m.relationOid() == f.relationOid())
                            .map(m -> new SourcePartition(table.toString(), m.relationOid(), m.name().toString(),
                                    m.relfilenode(), m.joinedBy()))
                            .toList());
                    partitioned.add(new PartitionTreeWatch.Watched(table, f.relationOid()));
                }
            }
            // Read after the columns: a transaction committed later was made with them or newer ones.
            Lsn shapesReadAt;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                shapesReadAt = Lsn.valueOf(rs.getString(1));
            }
            return new Followed(new FollowedTables(byOid, shapesReadAt), currentNames, knownNames, oids, partitioned);
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, SourceOperation.of("finding the source tables", ctx.source(),
                    ctx.mirrorSource()));
        }
    }
}
