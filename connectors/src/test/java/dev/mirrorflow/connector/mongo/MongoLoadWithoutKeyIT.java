package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoCollection;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.ForwardingDestination;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.PartitionRows;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.destination.DestinationFailureClassifier;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SnapshotSpec;
import dev.mirrorflow.model.SourceOptions;
import dev.mirrorflow.model.TableSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The initial load of a MongoDB collection into a destination table mirrorflow created: copied
 * without the table's primary key, which is built once the last partition is in, exactly once
 * also when a load is interrupted in the middle of a partition and run again. A table the user
 * created keeps its key throughout.
 */
class MongoLoadWithoutKeyIT {

    private static final int DOCUMENTS = 5_000;

    private ScratchMongoDatabase mongo;
    private ScratchDatabase catalogDb;
    private ScratchDatabase destinationDb;
    private Catalog catalog;

    @BeforeEach
    void open() {
        mongo = ScratchMongoDatabase.create("mf_nokey");
        catalogDb = ScratchDatabase.create("mf_nokey_catalog");
        destinationDb = ScratchDatabase.create("mf_nokey_dst");
        catalog = Catalog.open(catalogDb.catalogConfig());
        catalog.peers().create(new StoredPeer("m_src", "mongodb", "{}", new byte[] {1}, "k1", null));
        catalog.peers().create(new StoredPeer("m_dst", "postgres", "{}", new byte[] {1}, "k1", null));
    }

    @AfterEach
    void close() {
        catalog.close();
        catalogDb.close();
        destinationDb.close();
        mongo.close();
    }

    @Test
    void shouldLoadACreatedTableWithoutItsKeyAndBuildTheKeyAfterTheLastPartition() throws Exception {
        MongoCollection<Document> docs = seed("items");
        MirrorSession session = session("nk_load", "items");
        List<Boolean> keyedAtWrite = new CopyOnWriteArrayList<>();
        try (Source source = new MongoSource(session, mongo.rootPeer());
                PostgresDestination real = new PostgresDestination(ScratchPeers.of(destinationDb))) {
            Map<TableId, TableSchema> schemas = source.prepare();
            real.prepare(session.name(), session.mappings(), List.copyOf(schemas.values()));
            assertThat(primaryKey("items")).isEqualTo("_id");
            SnapshotLoadResult loaded = source.load(1, schemas, watching(real, keyedAtWrite, new AtomicInteger(-1)),
                    progress -> {});
            assertThat(loaded.isComplete()).isTrue();
        }
        assertThat(keyedAtWrite).hasSizeGreaterThan(1).containsOnly(false);
        assertThat(primaryKey("items")).isEqualTo("_id");
        assertThat(destinationRows("items")).isEqualTo(sourceRows(docs));
    }

    @Test
    void shouldEndEqualWithItsKeyWhenAKeylessLoadIsInterruptedInAPartitionAndRunAgain() throws Exception {
        MongoCollection<Document> docs = seed("orders");
        MirrorSession session = session("nk_resume", "orders");
        List<Boolean> keyedAtWrite = new CopyOnWriteArrayList<>();
        try (PostgresDestination real = new PostgresDestination(ScratchPeers.of(destinationDb))) {
            try (Source source = new MongoSource(session, mongo.rootPeer())) {
                Map<TableId, TableSchema> schemas = source.prepare();
                real.prepare(session.name(), session.mappings(), List.copyOf(schemas.values()));
                // The third partition written fails half-way through its rows, as a worker killed there would.
                assertThatThrownBy(() -> source.load(1, schemas, watching(real, keyedAtWrite, new AtomicInteger(2)),
                        progress -> {})).hasMessageContaining("the writer failed half-way");
            }
            List<SnapshotPartition> partitions = catalog.snapshotPartitions().list(session.mirrorId(), 1);
            assertThat(partitions).hasSizeGreaterThan(3);
            // Mid-load: what committed is in, without the key; the failed partition left nothing.
            assertThat(primaryKey("orders")).isNull();
            assertThat(rowCount("orders")).isLessThan(DOCUMENTS).isEqualTo(
                    partitions.stream().filter(p -> p.state() == SnapshotPartition.State.DONE)
                            .mapToLong(SnapshotPartition::rowsCopied).sum());

            try (Source source = new MongoSource(session, mongo.rootPeer())) {
                Map<TableId, TableSchema> schemas = source.prepare();
                SnapshotLoadResult loaded = source.load(1, schemas, watching(real, keyedAtWrite, new AtomicInteger(-1)),
                        progress -> {});
                assertThat(loaded.isComplete()).isTrue();
            }
        }
        assertThat(keyedAtWrite).containsOnly(false);
        assertThat(primaryKey("orders")).isEqualTo("_id");
        assertThat(rowCount("orders")).isEqualTo(DOCUMENTS);
        assertThat(destinationRows("orders")).isEqualTo(sourceRows(docs));
    }

    @Test
    void shouldKeepTheKeyOfATableTheUserCreated() throws Exception {
        MongoCollection<Document> docs = seed("users");
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.users (_id text PRIMARY KEY, doc jsonb)");
        }
        MirrorSession session = session("nk_user", "users");
        List<Boolean> keyedAtWrite = new CopyOnWriteArrayList<>();
        try (Source source = new MongoSource(session, mongo.rootPeer());
                PostgresDestination real = new PostgresDestination(ScratchPeers.of(destinationDb))) {
            Map<TableId, TableSchema> schemas = source.prepare();
            real.prepare(session.name(), session.mappings(), List.copyOf(schemas.values()));
            assertThat(source.load(1, schemas, watching(real, keyedAtWrite, new AtomicInteger(-1)), progress -> {})
                    .isComplete()).isTrue();
        }
        assertThat(keyedAtWrite).hasSizeGreaterThan(1).containsOnly(true);
        assertThat(primaryKey("users")).isEqualTo("_id");
        assertThat(destinationRows("users")).isEqualTo(sourceRows(docs));
    }

    @Test
    void shouldFailTheLoadWithWhatToDoWhenTwoIdsAreWrittenAsTheSameText() throws Exception {
        MongoCollection<Document> docs = mongo.database().getCollection("mixed");
        ObjectId id = new ObjectId();
        docs.insertOne(new Document("_id", id).append("v", "an ObjectId"));
        docs.insertOne(new Document("_id", id.toHexString()).append("v", "a string of its hex"));
        MirrorSession session = session("nk_mixed", "mixed");
        try (Source source = new MongoSource(session, mongo.rootPeer());
                PostgresDestination real = new PostgresDestination(ScratchPeers.of(destinationDb))) {
            Map<TableId, TableSchema> schemas = source.prepare();
            real.prepare(session.name(), session.mappings(), List.copyOf(schemas.values()));
            assertThatThrownBy(() -> source.load(1, schemas, real, progress -> {}))
                    .hasMessageContaining("got rows that repeat a primary key (\"_id\")")
                    .satisfies(e -> assertThat(DestinationFailureClassifier.permanentLoadAdvice("nk_mixed", e))
                            .hasValueSatisfying(advice -> assertThat(advice)
                                    .contains("two of the source's keys are written as the same text")
                                    .contains("mirrorflow mirror resync nk_mixed")));
        }
    }

    private MongoCollection<Document> seed(String collection) {
        MongoCollection<Document> docs = mongo.database().getCollection(collection);
        List<Document> seed = new ArrayList<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            seed.add(new Document("_id", new ObjectId()).append("n", i).append("name", "item é€😀 \t\\ " + i));
        }
        // Larger than the writer's 64 KB chunk, with 4-byte characters across every chunk boundary.
        seed.get(7).append("long", "😀a".repeat(60_000));
        docs.insertMany(seed);
        return docs;
    }

    private MirrorSession session(String name, String collection) {
        long id = catalog.mirrors().create(new NewMirror(name, "m_src", "m_dst", "{}", "mirror/" + name)).id();
        MirrorSpec spec = new MirrorSpec(name, "m_src", "m_dst",
                List.of(new TableSpec(mongo.name() + "." + collection, "public." + collection, List.of())),
                true, 500, 200, new SnapshotSpec(1_000, 2), RetrySettings.DEFAULT, SourceOptions.NONE);
        List<TableMapping> mappings = List.of(new TableMapping(new TableId(mongo.name(), collection),
                new TableId("public", collection), Set.of()));
        return new MirrorSession(name, id, spec, mappings, catalog, Heartbeat.NONE, 1);
    }

    /**
     * The destination, noting before each partition write whether the table has its primary key,
     * and failing the write numbered {@code failAt} (from 0) after half of its rows.
     */
    private Destination watching(Destination real, List<Boolean> keyedAtWrite, AtomicInteger failAt) {
        AtomicInteger writes = new AtomicInteger();
        return new ForwardingDestination(real) {
            @Override
            public PartitionWriter openPartitionWriter(SnapshotLoad load) {
                PartitionWriter writer = real.openPartitionWriter(load);
                return new PartitionWriter() {
                    @Override
                    public PartitionCopy write(TableLoad table, SnapshotPartition partition, PartitionRows rows)
                            throws Exception {
                        keyedAtWrite.add(primaryKey(table.destination().name()) != null);
                        if (writes.getAndIncrement() != failAt.get()) {
                            return writer.write(table, partition, rows);
                        }
                        return writer.write(table, partition, sink -> rows.read(new PartitionRows.Sink() {
                            private int seen;

                            @Override
                            public void row(dev.mirrorflow.connector.Value[] values) throws Exception {
                                if (++seen > 400) {
                                    throw new IllegalStateException("the writer failed half-way");
                                }
                                sink.row(values);
                            }
                        }));
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
        };
    }

    /** The primary key's columns, comma-separated, or null when the table has none. */
    private String primaryKey(String table) throws Exception {
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (SELECT string_agg(attname, ',') FROM pg_attribute"
                        + " WHERE attrelid = k.conrelid AND attnum = ANY (k.conkey)) FROM pg_constraint k"
                        + " WHERE contype = 'p' AND conrelid = to_regclass('public." + table + "')")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private long rowCount(String table) throws Exception {
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM public." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The collection's documents by {@code _id}, as jsonb writes them, normalised in one query. */
    private Map<String, String> sourceRows(MongoCollection<Document> docs) throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> json = new ArrayList<>();
        for (Document d : docs.find()) {
            ids.add(((ObjectId) d.get("_id")).toHexString());
            json.add(d.toJson(JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build()));
        }
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = destinationDb.connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT id, doc::jsonb::text FROM unnest(?::text[], ?::text[]) AS d (id, doc)")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            ps.setArray(2, c.createArrayOf("text", json.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return rows;
    }

    /** Every row by {@code _id}; a repeated {@code _id} fails the test rather than hiding in the map. */
    private Map<String, String> destinationRows(String table) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT _id, doc::text FROM public." + table)) {
            while (rs.next()) {
                assertThat(rows.put(rs.getString(1), rs.getString(2))).as("row %s repeated", rs.getString(1)).isNull();
            }
        }
        return rows;
    }
}
