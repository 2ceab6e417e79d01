package dev.mirrorflow.connector.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.catalog.SourceCheckpoint;
import dev.mirrorflow.connector.ChangeStream;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.Leftover;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.PositionProbe;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.PartitionedLoader;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotLoadOptions;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import dev.mirrorflow.connector.mongo.snapshot.IdPartition;
import dev.mirrorflow.connector.mongo.snapshot.IdPartitionPlanner;
import dev.mirrorflow.connector.mongo.snapshot.IdPartitionReader;
import dev.mirrorflow.connector.mongo.stream.MongoChangeStream;
import dev.mirrorflow.connector.mongo.stream.MongoStreamSettings;
import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror's MongoDB source. Each mapped collection {@code db.coll} becomes a destination table
 * of {@code _id text} (the key) and {@code doc jsonb} (the document in relaxed Extended JSON,
 * its excluded fields taken out here).
 *
 * <p>The seed contract: before the initial load reads any document, a change stream over the
 * mapped collections is opened, its resume token (the server's present) taken and saved in the
 * catalog for this load generation; only once that save committed does the load start. The
 * stream then resumes from the token, so writes made during the load are replayed onto the
 * destination's upserts by {@code _id}. A resumed load keeps the token it saved first.
 */
public final class MongoSource implements Source {

    private static final Logger log = LoggerFactory.getLogger(MongoSource.class);

    /** How often a quiet stream still moves the mirror's position, so that it stays in the oplog. */
    private static final Duration QUIET_POSITION_INTERVAL = Duration.ofSeconds(10);

    private final MirrorSession session;
    private final MongoPeer peer;
    private final List<DocumentMapping> documents;
    private MongoClient client;

    public MongoSource(MirrorSession session, MongoPeer peer) {
        this.session = session;
        this.peer = peer;
        List<DocumentMapping> mappings = new ArrayList<>();
        for (TableSpec table : session.spec().tables()) {
            TableId source = TableId.parse(table.source());
            mappings.add(new DocumentMapping(source.schema(), source.name(), table.exclude()));
        }
        this.documents = List.copyOf(mappings);
    }

    private MongoClient client() {
        if (client == null) {
            client = MongoPeerClients.open(peer, MongoPeerClients.FOR_WORKER);
        }
        return client;
    }

    private String name() {
        return session.name();
    }

    @Override
    public void validate() {
        session.spec().sourceOptions().firstKeyNotIn(List.of()).ifPresent(key -> {
            throw new MongoSourceException(MongoSourceException.Problem.CONFIGURATION, "mirror " + name() + ": "
                    + key + " is an option of PostgreSQL sources; peer " + session.spec().source()
                    + " is a MongoDB peer; take sourceOptions." + key + " out of the spec", null);
        });
        for (DocumentMapping mapping : documents) {
            List<String> collections = new ArrayList<>();
            try {
                client().getDatabase(mapping.source().schema()).listCollectionNames().into(collections);
            } catch (RuntimeException e) {
                throw classify(e, "listing the collections of " + mapping.source().schema());
            }
            if (!collections.contains(mapping.source().name())) {
                throw new MongoSourceException(MongoSourceException.Problem.CONFIGURATION, "mirror " + name()
                        + ": collection " + mapping.source() + " does not exist at " + peer.location()
                        + "; create it or take it out of the spec", null);
            }
        }
    }

    @Override
    public void setUp() {
        // A change stream needs nothing created at the source.
    }

    @Override
    public Map<TableId, TableSchema> prepare() {
        Map<TableId, TableSchema> schemas = new LinkedHashMap<>();
        for (DocumentMapping mapping : documents) {
            schemas.put(mapping.source(), mapping.schema());
        }
        return schemas;
    }

    @Override
    public void fixStartPosition() {
        startToken(Math.max(1, session.catalog().snapshotPartitions().latestGeneration(session.mirrorId())));
    }

    /**
     * The token the load generation's stream starts from: the one saved for it, or a new one,
     * saved before this returns. A failed save throws, and nothing that depends on it starts.
     */
    private String startToken(int generation) {
        Optional<SourceCheckpoint> saved = session.catalog().sourceCheckpoints().find(session.mirrorId(), generation);
        if (saved.isPresent()) {
            return saved.get().position();
        }
        String token;
        try {
            token = MongoChangeStream.startToken(client(), streamSettings(1, Duration.ofSeconds(1),
                    MirrorSpec.DEFAULT_BATCH_BYTES, Duration.ofSeconds(1)));
        } catch (MongoSourceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw classify(e, "opening the change stream");
        }
        session.catalog().sourceCheckpoints().save(session.mirrorId(), generation,
                SourceCheckpoint.Kind.MONGO_RESUME_TOKEN, token);
        log.info("mirror {}: change stream start for load generation {} saved at cluster time {}", name(), generation,
                ResumeTokens.clusterTime(token));
        return token;
    }

    @Override
    public SnapshotLoadResult load(int loadGeneration, Map<TableId, TableSchema> schemas, Destination destination,
            SnapshotProgressListener progress) {
        // First the stream's start, durably; only then is any document read.
        startToken(loadGeneration);
        List<TableLoad> tables = session.mappings().stream()
                .map(m -> new TableLoad(new TableMapping(m.source(), m.destination(), Set.of()),
                        schemas.get(m.source())))
                .toList();
        PartitionedLoader loader = new PartitionedLoader(session.catalog().snapshotPartitions(),
                new SnapshotLoadOptions(session.spec().snapshot().parallelism(),
                        session.spec().snapshot().rowsPerPartition(), Duration.ofSeconds(5)));
        SnapshotLoad load = new SnapshotLoad(session.mirrorId(), name(), loadGeneration);
        return loader.run(load, tables, new IdRanges(load, tables, destination), progress,
                session.heartbeat()::stopRequested);
    }

    /**
     * Collections split into {@code _id} ranges, written through the destination's partition
     * writer. The ranges of a collection are disjoint, a document's {@code _id} never changes
     * and a partition's cursor returns each {@code _id} once, so no two rows of the load share a
     * key: the destination may copy a table it created without its key and build the key after
     * the table's last partition, and a resumed load still adds only rows the table lacks, since
     * a partition that did not commit left none. (Two {@code _id}s of different types written as
     * the same text, an ObjectId and the string of its hex, fail the key's build with what to
     * do, as they failed the copy into a table with its key.)
     */
    private final class IdRanges implements PartitionedLoader.Transfers {

        private final SnapshotLoad load;
        private final List<TableLoad> tables;
        private final Destination destination;

        IdRanges(SnapshotLoad load, List<TableLoad> tables, Destination destination) {
            this.load = load;
            this.tables = tables;
            this.destination = destination;
        }

        @Override
        public List<SnapshotPartition.Plan> plan(List<TableLoad> tables) {
            List<SnapshotPartition.Plan> plans = new ArrayList<>();
            for (TableLoad table : tables) {
                MongoCollection<BsonDocument> collection = collection(table.source());
                List<IdPartition> partitions = IdPartitionPlanner.plan(collection,
                        IdPartitionPlanner.documentsPerPartition(collection.estimatedDocumentCount(),
                                session.spec().snapshot().rowsPerPartition(), session.spec().snapshot().parallelism()));
                for (IdPartition p : partitions) {
                    plans.add(new SnapshotPartition.Plan(table.partitionTableName(), p.index(),
                            p.rangeStart() == null ? "" : p.rangeStart(), p.rangeEnd() == null ? "" : p.rangeEnd()));
                }
            }
            return plans;
        }

        @Override
        public void prepare() {
            destination.prepareLoad(load, tables, true);
        }

        @Override
        public void finish(List<TableLoad> loaded) {
            destination.finishLoad(load, loaded);
        }

        @Override
        public PartitionedLoader.Transfer open() {
            Destination.PartitionWriter writer = destination.openPartitionWriter(load);
            return new PartitionedLoader.Transfer() {
                @Override
                public PartitionCopy copy(TableLoad table, SnapshotPartition partition) throws Exception {
                    IdPartitionReader reader = new IdPartitionReader(collection(table.source()),
                            mapping(table.source()), IdPartitionReader.DEFAULT_BATCH_SIZE);
                    return writer.write(table, partition,
                            sink -> reader.read(idPartition(partition), sink::row, Heartbeat.NONE));
                }

                @Override
                public void tableLoaded(TableLoad table) throws Exception {
                    writer.tableLoaded(table);
                }

                @Override
                public void close() {
                    writer.close();
                }
            };
        }

        @Override
        public OptionalLong span(SnapshotPartition partition) {
            return OptionalLong.empty();
        }

        @Override
        public String describe(SnapshotPartition partition) {
            return idPartition(partition).toString();
        }

        @Override
        public String hint(Throwable cause) {
            return "";
        }

        @Override
        public boolean consistentViewLost() {
            return false;
        }
    }

    private static IdPartition idPartition(SnapshotPartition p) {
        return new IdPartition(p.partitionNo(), p.rangeStart().isEmpty() ? null : p.rangeStart(),
                p.rangeEnd().isEmpty() ? null : p.rangeEnd());
    }

    private MongoCollection<BsonDocument> collection(TableId source) {
        return client().getDatabase(source.schema()).getCollection(source.name(), BsonDocument.class);
    }

    private DocumentMapping mapping(TableId source) {
        return documents.stream().filter(d -> d.source().equals(source)).findFirst()
                .orElseThrow(() -> new IllegalStateException("mirror " + name() + " does not map " + source));
    }

    private MongoStreamSettings streamSettings(int batchSize, Duration idleTimeout, long maxBatchBytes,
            Duration linger) {
        return new MongoStreamSettings(name(), documents, batchSize, idleTimeout, QUIET_POSITION_INTERVAL,
                maxBatchBytes, linger);
    }

    @Override
    public ChangeStream openStream(StreamOptions options,
            Function<Map<TableId, TableSchema>, Optional<String>> prepareDestination) {
        Optional<String> checkpoint = prepareDestination.apply(prepare());
        String from = checkpoint.or(() -> session.catalog().sourceCheckpoints().latest(session.mirrorId())
                .map(SourceCheckpoint::position))
                .orElseThrow(() -> new MongoSourceException(MongoSourceException.Problem.CONFIGURATION, "mirror "
                        + name() + " has no saved change-stream position to start from; run mirrorflow mirror resync "
                        + name(), null));
        try {
            return MongoChangeStream.open(client(), streamSettings(options.batchSize(), options.idleTimeout(),
                    options.maxBatchBytes(), options.linger()), from,
                    options.firstBatchId());
        } catch (MongoSourceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw classify(e, "opening the change stream");
        }
    }

    @Override
    public Map<TableId, TableSchema> addTables(List<TableMapping> added, boolean loading) {
        throw notYet();
    }

    @Override
    public SnapshotLoadResult loadAddedTables(List<TableMapping> added, Map<TableId, TableSchema> schemas,
            int loadGeneration, Destination destination) {
        throw notYet();
    }

    @Override
    public void releaseTables(List<TableMapping> removed) {
        throw notYet();
    }

    private IllegalStateException notYet() {
        return new IllegalStateException("mirror " + name() + ": the collections of a MongoDB mirror cannot be"
                + " edited yet; drop the mirror and create it with the new spec");
    }

    @Override
    public void resetForResync() {
        // The reload's generation takes and saves a token of its own before it reads anything.
    }

    @Override
    public List<Leftover> tearDown() {
        // A change stream leaves nothing at the source.
        return List.of();
    }

    @Override
    public PositionProbe positionProbe() {
        return new PositionProbe() {
            @Override
            public String streamName() {
                return "change stream";
            }

            @Override
            public Optional<Positions> read() {
                BsonTimestamp now = ResumeTokens.currentClusterTime(client());
                return Optional.of(new Positions(OptionalLong.of(now.getValue()), OptionalLong.empty(),
                        OptionalLong.empty(), OptionalLong.empty()));
            }

            @Override
            public OptionalLong order(String position) {
                try {
                    return OptionalLong.of(ResumeTokens.clusterTime(position).getValue());
                } catch (RuntimeException notAToken) {
                    return OptionalLong.empty();
                }
            }

            @Override
            public void close() {}
        };
    }

    private MongoSourceException classify(RuntimeException e, String action) {
        if (e instanceof MongoSourceException m) {
            return m;
        }
        if (e instanceof com.mongodb.MongoException m) {
            return dev.mirrorflow.connector.mongo.stream.MongoStreamFailures.classify(m, name(), action);
        }
        return new MongoSourceException(MongoSourceException.Problem.OTHER, "mirror " + name() + ": " + action
                + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
