package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.SourcePartition;
import dev.mirrorflow.catalog.SourceTable;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ChangeStream;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.Leftover;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.PositionProbe;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.setup.PartitionTree;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.setup.SourceSetup;
import dev.mirrorflow.connector.postgres.setup.SourceTableLookup;
import dev.mirrorflow.connector.postgres.setup.SourceValidator;
import dev.mirrorflow.connector.postgres.slot.AcquiredSlot;
import dev.mirrorflow.connector.postgres.slot.ExportedSnapshot;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotCreationWait;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import dev.mirrorflow.connector.postgres.slot.SlotRetryPolicy;
import dev.mirrorflow.connector.load.SnapshotLoadOptions;
import dev.mirrorflow.connector.postgres.snapshot.SnapshotLoader;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.postgres.stream.ChangeStreamSettings;
import dev.mirrorflow.connector.postgres.stream.FollowedTables;
import dev.mirrorflow.connector.postgres.stream.CheckConnection;
import dev.mirrorflow.connector.postgres.stream.PartitionTreeWatch;
import dev.mirrorflow.connector.postgres.stream.PostgresChangeStream;
import dev.mirrorflow.connector.postgres.stream.SourceTableWatch;
import dev.mirrorflow.model.TeardownRequest;
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
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror's PostgreSQL source: its publication, its replication slot (guarded by an advisory
 * lock, see {@link SlotAcquirer}), the initial load at the slot's exported snapshot, and the
 * pgoutput stream from the slot. Tables are followed by relation OID, so a rename is followed and
 * a dropped table fails the mirror; partitions of a partitioned table are accounted for by
 * {@link PartitionTreeWatch}.
 *
 * <p>The initial load pipes binary COPY from this source into a PostgreSQL destination, the
 * fastest path there is; it needs the destination to be a {@link PostgresDestination}.
 */
public final class PostgresSource implements Source {

    private static final Logger log = LoggerFactory.getLogger(PostgresSource.class);

    /**
     * How often a stream checks that the source tables it follows still exist, and that the
     * partitions of its partitioned tables changed only in ways the stream carries: 10 s, or the
     * system property {@value #SOURCE_CHECK_INTERVAL_PROPERTY} in milliseconds (the build's tests
     * check every 2 s).
     */
    public static final String SOURCE_CHECK_INTERVAL_PROPERTY = "mirrorflow.source-check-interval-ms";

    private static final Duration SOURCE_TABLE_CHECK_INTERVAL =
            Duration.ofMillis(Long.getLong(SOURCE_CHECK_INTERVAL_PROPERTY, 10_000));

    private final MirrorSession session;
    private final PostgresPeer peer;
    private final PostgresPeer destinationPeer;
    private final MirrorSource mirrorSource;
    private final SlotAcquirer slots;
    private final Duration heartbeatInterval;

    /**
     * @param destinationPeer the mirror's destination when it is a PostgreSQL database (the load
     *     copies into it), else null
     * @param slots the worker's slot acquirer; this source applies the mirror's own retry settings
     * @param heartbeatInterval how often a quiet source gets a logical message so that its slot
     *     keeps moving
     */
    public PostgresSource(MirrorSession session, PostgresPeer peer, PostgresPeer destinationPeer, SlotAcquirer slots,
            Duration heartbeatInterval) {
        this.session = session;
        this.peer = peer;
        this.destinationPeer = destinationPeer;
        this.mirrorSource = MirrorSource.of(session.spec());
        this.slots = slots.withPolicy(SlotRetryPolicy.from(session.spec().retry()));
        this.heartbeatInterval = heartbeatInterval;
    }

    /** The source database. */
    public PostgresPeer peer() {
        return peer;
    }

    private String name() {
        return session.name();
    }

    private Catalog catalog() {
        return session.catalog();
    }

    @Override
    public void validate() {
        SourceValidator.validate(peer, mirrorSource);
    }

    @Override
    public void setUp() {
        SourceSetup.ensurePublication(peer, mirrorSource);
    }

    @Override
    public Map<TableId, TableSchema> prepare() {
        try (Connection sql = connect("finding the source tables")) {
            return schemas(sql, follow(sql, session.mappings()), session.mappings());
        } catch (SQLException e) {
            throw classify(e, "finding the source tables");
        }
    }

    @Override
    public void fixStartPosition() {
        try (AcquiredSlot slot = slots.acquire(peer, mirrorSource, session.attempt())) {
            slotCreationWait("creating replication slot " + mirrorSource.slot())
                    .run(() -> SourceSetup.createSlotIfMissing(slot));
        }
    }

    @Override
    public SnapshotLoadResult load(int loadGeneration, Map<TableId, TableSchema> schemas, Destination destination,
            SnapshotProgressListener progress) {
        // The slot comes first: its exported snapshot is what the load reads, so that the load and
        // the stream from the slot's consistent point add up to exactly the source. The snapshot
        // stays importable while this slot's connection stays open and idle, i.e. for the load.
        try (AcquiredSlot slot = slots.acquire(peer, mirrorSource, session.attempt())) {
            // Partitions copied at a lost slot's snapshot do not join up with a new slot's stream.
            if (catalog().snapshotPartitions().progress(session.mirrorId(), loadGeneration).partitionsDone() > 0) {
                SourceSetup.requireSlot(slot, "the partitions loaded so far no longer match any change stream");
            }
            Optional<ExportedSnapshot> exported = slotCreationWait("creating replication slot " + mirrorSource.slot())
                    .run(() -> SourceSetup.createSlotIfMissing(slot));
            if (exported.isEmpty()) {
                log.info("mirror {}: the slot existed already, so the rest of the load reads fresh snapshots and the"
                        + " stream replays from the slot's position onto idempotent apply", name());
            }
            List<TableLoad> tables = session.mappings().stream()
                    .map(m -> new TableLoad(m, schemas.get(m.source()))).toList();
            SnapshotLoader loader = loader(destination);
            SnapshotLoad load = new SnapshotLoad(session.mirrorId(), name(), loadGeneration);
            loader.plan(load, tables);
            return loader.run(load, tables, exported.map(ExportedSnapshot::snapshotName), progress,
                    session.heartbeat()::stopRequested);
        }
    }

    @Override
    public ChangeStream openStream(StreamOptions options,
            Function<Map<TableId, TableSchema>, Optional<String>> prepareDestination) {
        AcquiredSlot slot = slots.acquire(peer, mirrorSource, session.attempt());
        Connection sql = null;
        CheckConnection checks = null;
        try {
            sql = peer.connect();
            // The tables by identity first: one renamed while the mirror was stopped is read under
            // its new name, and one dropped fails the mirror here rather than go quiet. (On the
            // connection the stream takes over later: one connection less before the slot is used.)
            Followed followed = follow(sql, session.mappings());
            Optional<String> checkpoint = prepareDestination.apply(schemas(sql, followed, session.mappings()));
            // One source connection for the periodic checks, kept between them (CheckConnection).
            checks = new CheckConnection(peer::connect);
            SourceTableWatch watch = followed.watch(name(), checks);
            // The load or, for a mirror without one, the setup created the slot before the mirror
            // was recorded RUNNING: a new one would skip the changes made since. A mirror set up
            // by a version that left the slot to the stream fails here too, as changes may have
            // been made since it was recorded RUNNING; a resync loads it again.
            SourceSetup.requireSlot(slot, "the changes made since " + checkpoint.orElse(
                    session.spec().initialLoad() ? "the initial load" : "the mirror was set up")
                    + " are lost to this mirror");
            Lsn from = checkpoint.map(Lsn::valueOf).orElse(Lsn.INVALID);
            // Only the mirror's tables: the publication may have others (see SourceSetup).
            ChangeStreamSettings settings = new ChangeStreamSettings(mirrorSource.slot(), mirrorSource.publication(),
                    options.batchSize(), options.idleTimeout(), Duration.ofSeconds(10), heartbeatInterval,
                    Set.copyOf(mirrorSource.tables()), options.linger(), options.maxBatchBytes());
            PostgresChangeStream stream = start(slot, sql, settings, from, options.firstBatchId(), followed.tables());
            PartitionTreeWatch partitions = followed.partitionWatch(name(), session.mirrorId(), catalog(), checks,
                    stream);
            return new Stream(slot, stream, watch, partitions, checks);
        } catch (SQLException e) {
            closeQuietly(sql);
            closeChecks(checks);
            slot.close();
            throw classify(e, "streaming changes");
        } catch (RuntimeException e) {
            closeQuietly(sql);
            closeChecks(checks);
            slot.close();
            throw e;
        }
    }

    /**
     * The pgoutput stream with the checks that go with it: the followed tables still exist, and
     * their partitions changed only in ways the stream carries.
     */
    private final class Stream implements ChangeStream {

        private final AcquiredSlot slot;
        private final PostgresChangeStream stream;
        private final SourceTableWatch watch;
        private final PartitionTreeWatch partitions;
        private final CheckConnection checks;

        Stream(AcquiredSlot slot, PostgresChangeStream stream, SourceTableWatch watch, PartitionTreeWatch partitions,
                CheckConnection checks) {
            this.slot = slot;
            this.stream = stream;
            this.watch = watch;
            this.partitions = partitions;
            this.checks = checks;
        }

        @Override
        public Optional<ChangeBatch> nextBatch(BooleanSupplier stop, Runnable tick) throws InterruptedException {
            try {
                return stream.nextBatch(stop, () -> {
                    tick.run();
                    watch.checkIfDue();
                    partitions.checkIfDue();
                });
            } catch (SQLException e) {
                throw classify(e, "streaming changes");
            }
        }

        @Override
        public void wake() {
            stream.wake();
        }

        @Override
        public void acknowledge(ChangeBatch batch) {
            stream.acknowledge(batch);
            batch.schemaChanges().stream().filter(c -> c.kind() == SchemaChange.Kind.TABLE_RENAMED)
                    .forEach(c -> watch.renamed(c.table(), TableId.parse(c.to())));
            watch.checkIfDue();
            // A truncate of a partitioned table gave its partitions new storage: recorded at once,
            // a restart does not take it for a partition's own.
            if (batch.changes().stream().anyMatch(change -> change instanceof dev.mirrorflow.connector.Change.Truncate)) {
                partitions.check();
            } else {
                partitions.checkIfDue();
            }
        }

        @Override
        public String confirmedPosition() {
            return stream.confirmedPosition().toString();
        }

        @Override
        public void close() {
            try {
                stream.close();
            } catch (SQLException e) {
                log.debug("mirror {}: closing the change stream: {}", name(), e.getMessage());
            } finally {
                checks.close();
                slot.close();
            }
        }
    }

    private static void closeChecks(CheckConnection checks) {
        if (checks != null) {
            checks.close();
        }
    }

    /** START_REPLICATION on a slot another process streams from is retried like a busy slot. */
    private PostgresChangeStream start(AcquiredSlot slot, Connection sql, ChangeStreamSettings settings, Lsn from,
            long firstBatch, FollowedTables followed) throws SQLException {
        try {
            return PostgresChangeStream.start(slot.connection(), sql, settings, from, firstBatch, followed);
        } catch (SQLException e) {
            SourceException failure = SourceFailureClassifier.classify(e, SourceOperation.of("starting replication",
                    peer, mirrorSource).withSlot(mirrorSource.slot()));
            throw slots.reportFailedAttempt(failure, mirrorSource, session.attempt());
        }
    }

    @Override
    public Map<TableId, TableSchema> addTables(List<TableMapping> added, boolean loading) {
        validate();
        SourceSetup.ensurePublication(peer, mirrorSource);
        // A transaction that wrote to an added table before it joined the publication and commits
        // after is not streamed (its changes were made before), and a snapshot taken before it
        // commits does not show it either: whatever copies the table must start after it ended.
        slotCreationWait("adding " + added.stream().map(m -> m.source().toString())
                .collect(Collectors.joining(", ")) + " to the publication").run(() -> {
                    SourceSetup.awaitTransactionsRunningNow(peer, mirrorSource);
                    return null;
                });
        try (Connection sql = connect("finding the source tables")) {
            return schemas(sql, follow(sql, session.mappings()), session.mappings());
        } catch (SQLException e) {
            throw classify(e, "finding the source tables");
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
    @Override
    public SnapshotLoadResult loadAddedTables(List<TableMapping> added, Map<TableId, TableSchema> schemas,
            int loadGeneration, Destination destination) {
        long mirrorId = session.mirrorId();
        List<TableLoad> tables = added.stream().map(m -> new TableLoad(m, schemas.get(m.source()))).toList();
        SnapshotLoad load = new SnapshotLoad(mirrorId, name(), loadGeneration);
        Set<String> names = new java.util.HashSet<>();
        tables.forEach(t -> names.add(t.partitionTableName()));
        boolean earlierAttempt = catalog().snapshotPartitions().list(mirrorId, loadGeneration).stream()
                .anyMatch(p -> names.contains(p.tableName()));
        if (earlierAttempt) {
            log.info("mirror {}: an earlier attempt loaded part of {} at another snapshot; loading them again",
                    name(), names);
            destination.emptyForReload(name(), added);
            names.forEach(table -> catalog().snapshotPartitions().deleteTable(mirrorId, loadGeneration, table));
        }
        SnapshotLoader loader = loader(destination);
        Heartbeat heartbeat = session.heartbeat();
        try (Connection exporting = peer.connect(); Statement st = exporting.createStatement()) {
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
                    peer, mirrorSource));
        }
    }

    /**
     * Out of the mirror's own publication (a named one may be shared and stays as it is; the
     * stream ignores tables the mirror does not map).
     */
    @Override
    public void releaseTables(List<TableMapping> removed) {
        if (session.spec().hasDefaultPublication()) {
            SourceSetup.removeFromPublication(peer, mirrorSource, removed.stream().map(TableMapping::source).toList());
        }
    }

    @Override
    public void resetForResync() {
        // A fresh slot gives the reload an exported snapshot that matches the stream.
        try (AcquiredSlot slot = slots.acquire(peer, mirrorSource, session.attempt())) {
            SourceSetup.dropSlotIfExists(slot);
        }
    }

    @Override
    public List<Leftover> tearDown() {
        List<Leftover> left = new ArrayList<>();
        // The slot's attempts are logged by the teardown's own bounded retry, not the stream's.
        SlotAcquirer teardownSlots = slots.withPolicy(SlotRetryPolicy.from(TeardownRequest.RETRY));
        try (AcquiredSlot slot = teardownSlots.acquire(peer, mirrorSource, session.attempt())) {
            SourceSetup.dropSlotIfExists(slot);
        } catch (RuntimeException e) {
            left.add(slotLeftover(mirrorSource, peer.location(), Connectors.leftoverReason(e), Connectors.mayClearUp(e)));
        }
        if (session.spec().hasDefaultPublication()) {
            try {
                SourceSetup.dropPublicationIfExists(peer, mirrorSource);
            } catch (RuntimeException e) {
                left.add(publicationLeftover(mirrorSource, peer.location(), Connectors.leftoverReason(e),
                        Connectors.mayClearUp(e)));
            }
        } else {
            log.info("mirror {}: left publication {} in place, as the spec named it", name(),
                    session.spec().publication());
        }
        return left;
    }

    /** What stays at a source whose peer the worker cannot read. */
    public static List<Leftover> leftoversWithoutPeer(dev.mirrorflow.model.MirrorSpec spec, String because) {
        MirrorSource source = MirrorSource.of(spec);
        List<Leftover> left = new ArrayList<>();
        left.add(slotLeftover(source, "peer " + spec.source(), because, true));
        if (spec.hasDefaultPublication()) {
            left.add(publicationLeftover(source, "peer " + spec.source(), because, true));
        }
        return left;
    }

    private static Leftover slotLeftover(MirrorSource source, String at, String because, boolean mayClearUp) {
        return new Leftover("replication slot " + source.slot() + " on " + at, because,
                "SELECT pg_drop_replication_slot('" + source.slot() + "')", mayClearUp);
    }

    private static Leftover publicationLeftover(MirrorSource source, String at, String because, boolean mayClearUp) {
        return new Leftover("publication " + source.publication() + " on " + at, because,
                "DROP PUBLICATION " + TableId.quote(source.publication()), mayClearUp);
    }

    @Override
    public PositionProbe positionProbe() {
        return new SlotProbe();
    }

    /** Reads the slot's positions on a connection of its own, opened on the first read. */
    private final class SlotProbe implements PositionProbe {

        private static final int QUERY_TIMEOUT_SECONDS = 5;
        private Connection connection;

        @Override
        public String streamName() {
            return mirrorSource.slot();
        }

        @Override
        public Optional<Positions> read() throws SQLException {
            if (connection == null) {
                connection = peer.connect();
            }
            return SlotPositions.read(connection, mirrorSource.slot(), QUERY_TIMEOUT_SECONDS)
                    .map(SlotPositions::asProbed);
        }

        @Override
        public OptionalLong order(String position) {
            try {
                return OptionalLong.of(Lsn.valueOf(position).asLong());
            } catch (IllegalArgumentException notAnLsn) {
                return OptionalLong.empty();
            }
        }

        @Override
        public void close() {
            closeQuietly(connection);
            connection = null;
        }
    }

    @Override
    public void close() {
        // Every connection belongs to the call or the stream that opened it.
    }

    private SnapshotLoader loader(Destination destination) {
        if (!(destination instanceof PostgresDestination) || destinationPeer == null) {
            throw new IllegalStateException("mirror " + name() + ": a PostgreSQL source loads only into a PostgreSQL"
                    + " destination");
        }
        return new SnapshotLoader(catalog(), peer::connect, destinationPeer::connect,
                new SnapshotLoadOptions(session.spec().snapshot().parallelism(),
                        session.spec().snapshot().rowsPerPartition(), Duration.ofSeconds(5)));
    }

    private SlotCreationWait slotCreationWait(String waiting) {
        return new SlotCreationWait(catalog(), name(), peer, session.heartbeat(), waiting);
    }

    private Connection connect(String doing) {
        try {
            return peer.connect();
        } catch (SQLException e) {
            throw classify(e, "connecting to the source");
        }
    }

    private SourceException classify(SQLException e, String doing) {
        return SourceFailureClassifier.classify(e, SourceOperation.of(doing, peer, mirrorSource));
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // A connection whose server went away has nothing left to release.
            }
        }
    }

    /**
     * The source schemas under the spec's table ids, read from the tables the mirror follows
     * whatever they are called now.
     */
    private Map<TableId, TableSchema> schemas(Connection c, Followed followed, List<TableMapping> mappings)
            throws SQLException {
        List<TableId> specTables = mappings.stream().map(TableMapping::source).toList();
        List<TableId> current = specTables.stream().map(t -> followed.currentNames().getOrDefault(t, t)).toList();
        Map<TableId, TableSchema> read = new SourceSchemaReader(c).read(current);
        Map<TableId, TableSchema> schemas = new LinkedHashMap<>();
        for (int i = 0; i < specTables.size(); i++) {
            schemas.put(specTables.get(i), new TableSchema(specTables.get(i), read.get(current.get(i)).columns()));
        }
        return schemas;
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

        PartitionTreeWatch partitionWatch(String mirror, long mirrorId, Catalog catalog, CheckConnection checks,
                PostgresChangeStream stream) {
            return new PartitionTreeWatch(mirror, mirrorId, catalog.sourcePartitions(), checks,
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

        SourceTableWatch watch(String mirror, CheckConnection source) {
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
    private Followed follow(Connection c, List<TableMapping> mappings) throws SQLException {
        long mirrorId = session.mirrorId();
        Catalog catalog = catalog();
        Map<String, SourceTable> recorded = new HashMap<>();
        catalog.sourceTables().list(mirrorId).forEach(t -> recorded.put(t.sourceTable(), t));
        Map<Integer, FollowedTables.Table> byOid = new HashMap<>();
        Map<TableId, TableId> currentNames = new HashMap<>();
        Map<TableId, TableId> knownNames = new HashMap<>();
        Map<Long, TableId> oids = new LinkedHashMap<>();
        List<PartitionTreeWatch.Watched> partitioned = new ArrayList<>();
        SourceTableLookup tables = new SourceTableLookup(c);
        PartitionTree trees = new PartitionTree(c);
        for (TableMapping mapping : mappings) {
            TableId table = mapping.source();
            SourceTable known = recorded.get(table.toString());
            Optional<SourceTableLookup.Found> found;
            TableId knownName;
            if (known != null) {
                knownName = TableId.parse(known.currentName());
                found = tables.byOid(known.relationOid());
                if (found.isEmpty()) {
                    throw new SourceConfigurationException(SourceConfigurationException.Problem.TABLE_MISSING,
                            tables.droppedMessage(name(), table, knownName, known.relationOid()), null);
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
    }
}
