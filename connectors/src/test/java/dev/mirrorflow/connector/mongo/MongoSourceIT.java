package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ChangeStream;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SnapshotSpec;
import dev.mirrorflow.model.SourceOptions;
import dev.mirrorflow.model.TableSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MongoDB source behind the connector seam, without a worker: the seed contract (the
 * resume token saved before the load reads anything), the partitioned load while the collection
 * is written, and the stream from the saved token onto the PostgreSQL destination.
 */
class MongoSourceIT {

    private ScratchMongoDatabase mongo;
    private ScratchDatabase catalogDb;
    private ScratchDatabase destinationDb;
    private Catalog catalog;

    @BeforeEach
    void open() {
        mongo = ScratchMongoDatabase.create("mf_src");
        catalogDb = ScratchDatabase.create("mf_mongo_catalog");
        destinationDb = ScratchDatabase.create("mf_mongo_dst");
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

    private MirrorSession session(String name, String collection) {
        long id = catalog.mirrors().create(new NewMirror(name, "m_src", "m_dst", "{}", "mirror/" + name)).id();
        MirrorSpec spec = new MirrorSpec(name, "m_src", "m_dst",
                List.of(new TableSpec(mongo.name() + "." + collection, "public." + collection, List.of("secret"))),
                true, 500, 200, new SnapshotSpec(1_000, 3), RetrySettings.DEFAULT, SourceOptions.NONE);
        List<TableMapping> mappings = List.of(new TableMapping(new TableId(mongo.name(), collection),
                new TableId("public", collection), Set.of()));
        return new MirrorSession(name, id, spec, mappings, catalog, Heartbeat.NONE, 1);
    }

    @Test
    void shouldLoadWhileWrittenThenStreamFromTheTokenSavedBeforeTheLoadAndEndEqual() throws Exception {
        MongoCollection<Document> docs = mongo.database().getCollection("items");
        List<Document> seed = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            seed.add(new Document("_id", new ObjectId()).append("n", i).append("secret", "s" + i));
        }
        docs.insertMany(seed);
        MirrorSession session = session("ms_load", "items");
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                docs.insertOne(new Document("_id", new ObjectId()).append("n", i));
                docs.updateOne(Filters.eq("_id", seed.get(i % seed.size()).get("_id")), Updates.inc("n", 1));
                docs.deleteOne(Filters.eq("_id", seed.get((i * 13 + 5) % seed.size()).get("_id")));
            }
        });
        try (Source source = new MongoSource(session, mongo.rootPeer());
                PostgresDestination destination = new PostgresDestination(ScratchPeers.of(destinationDb))) {
            source.validate();
            Map<TableId, TableSchema> schemas = source.prepare();
            destination.prepare(session.name(), session.mappings(), List.copyOf(schemas.values()));
            writer.start();
            SnapshotLoadResult loaded;
            try {
                loaded = source.load(1, schemas, destination, progress -> {});
            } finally {
                stop.set(true);
                writer.join();
            }
            assertThat(loaded.isComplete()).isTrue();
            assertThat(loaded.partitionsDone()).isGreaterThan(1);
            // The token was saved before the load: the stream replays what the writer did meanwhile.
            assertThat(catalog.sourceCheckpoints().find(session.mirrorId(), 1)).isPresent();
            streamUntilCaughtUp(source, destination, session);
        }
        assertThat(destinationRows("items")).isEqualTo(sourceRows(docs));
        assertThat(destinationRows("items").values()).noneMatch(json -> json.contains("secret"));
    }

    @Test
    void shouldNotStartTheLoadWhenTheTokenCannotBeSaved() throws Exception {
        MongoCollection<Document> docs = mongo.database().getCollection("things");
        docs.insertOne(new Document("_id", 1).append("v", "one"));
        MirrorSession session = session("ms_nosave", "things");
        try (Connection c = catalogDb.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION mirrorflow.refuse() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN RAISE EXCEPTION 'the catalog refuses the write'; END $$");
            s.execute("CREATE TRIGGER refuse BEFORE INSERT ON mirrorflow.source_checkpoints"
                    + " FOR EACH ROW EXECUTE FUNCTION mirrorflow.refuse()");
        }
        try (Source source = new MongoSource(session, mongo.rootPeer());
                PostgresDestination destination = new PostgresDestination(ScratchPeers.of(destinationDb))) {
            Map<TableId, TableSchema> schemas = source.prepare();
            destination.prepare(session.name(), session.mappings(), List.copyOf(schemas.values()));
            assertThatThrownBy(() -> source.load(1, schemas, destination, progress -> {}))
                    .hasMessageContaining("the catalog refuses the write");
        }
        assertThat(destinationRows("things")).isEmpty();
        assertThat(catalog.snapshotPartitions().list(session.mirrorId(), 1)).isEmpty();
    }

    private void streamUntilCaughtUp(Source source, PostgresDestination destination, MirrorSession session)
            throws Exception {
        BsonTimestamp target;
        try (var client = MongoPeerClients.open(mongo.rootPeer())) {
            target = ResumeTokens.currentClusterTime(client);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (ChangeStream stream = source.openStream(new Source.StreamOptions(500, Duration.ofMillis(200), 1),
                schemas -> destination.checkpoint(session.name()))) {
            while (System.nanoTime() < deadline) {
                Optional<ChangeBatch> batch = stream.nextBatch(() -> false, () -> {});
                if (batch.isEmpty()) {
                    continue;
                }
                destination.apply(session.name(), batch.get());
                stream.acknowledge(batch.get());
                if (ResumeTokens.clusterTime(batch.get().position()).compareTo(target) >= 0) {
                    return;
                }
            }
        }
        throw new AssertionError("the stream did not catch up within 60 s");
    }

    private Map<String, String> sourceRows(MongoCollection<Document> docs) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        for (Document d : docs.find()) {
            d.remove("secret");
            Object id = d.get("_id");
            rows.put(id instanceof ObjectId o ? o.toHexString() : String.valueOf(id),
                    normal(d.toJson(JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build())));
        }
        return rows;
    }

    private String normal(String json) throws Exception {
        try (Connection c = destinationDb.connect();
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT ?::jsonb::text")) {
            ps.setString(1, json);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private Map<String, String> destinationRows(String table) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = destinationDb.connect(); Statement s = c.createStatement()) {
            try (ResultSet exists = s.executeQuery("SELECT to_regclass('public." + table + "') IS NOT NULL")) {
                exists.next();
                if (!exists.getBoolean(1)) {
                    return rows;
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT _id, doc::text FROM public." + table)) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return rows;
    }
}
