package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoNamespace;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import dev.mirrorflow.connector.mongo.stream.MongoChangeStream;
import dev.mirrorflow.connector.mongo.stream.MongoStreamSettings;
import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MongoChangeStreamIT {

    private static final Duration IDLE = Duration.ofMillis(300);
    private static final Duration QUIET = Duration.ofSeconds(1);

    private MongoClient client;
    private String dbName;
    private MongoDatabase db;
    private final List<String> otherDatabases = new ArrayList<>();

    @BeforeEach
    void createDatabase() {
        client = MongoTestServer.client();
        dbName = MongoTestServer.scratchDatabase("stream");
        db = client.getDatabase(dbName);
        db.createCollection("orders");
        db.createCollection("other");
    }

    @AfterEach
    void dropDatabase() {
        try {
            db.drop();
            otherDatabases.forEach(d -> client.getDatabase(d).drop());
        } finally {
            client.close();
        }
    }

    @Test
    void shouldStreamInsertsUpdatesReplacesAndDeletesInOrderAsRowsOfTheWholeDocument() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders", "secret"));
        String start = MongoChangeStream.startToken(client, settings);
        MongoCollection<Document> orders = db.getCollection("orders");
        ObjectId a = new ObjectId();
        orders.insertOne(new Document("_id", a).append("qty", 1).append("secret", "s"));
        orders.insertOne(new Document("_id", "b").append("qty", 2L));
        db.getCollection("other").insertOne(new Document("_id", 1).append("unmapped", true));
        orders.updateOne(Filters.eq("_id", a), Updates.set("qty", 5));
        orders.replaceOne(Filters.eq("_id", "b"), new Document("_id", "b").append("name", "replaced"));
        orders.deleteOne(Filters.eq("_id", "b"));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 7)) {
            assertThat(stream.confirmedPosition()).isEqualTo(start);
            List<ChangeBatch> batches = new ArrayList<>();
            List<Change.Row> rows = readRows(stream, 5, batches);

            assertThat(rows).extracting(Change.Row::kind).containsExactly(Change.Kind.INSERT, Change.Kind.INSERT,
                    Change.Kind.UPDATE, Change.Kind.UPDATE, Change.Kind.DELETE);
            assertThat(rows).allSatisfy(r -> assertThat(r.schema().id()).isEqualTo(new TableId(dbName, "orders")));
            assertThat(rows.get(0).values()).containsExactly(Value.text(a.toHexString()),
                    Value.text("{\"_id\": {\"$oid\": \"" + a.toHexString() + "\"}, \"qty\": 1}"));
            assertThat(rows.get(1).values()).containsExactly(Value.text("b"), Value.text("{\"_id\": \"b\", \"qty\": 2}"));
            // The update carries the whole document as the lookup found it, minus the excluded field.
            assertThat(rows.get(2).values()).containsExactly(Value.text(a.toHexString()),
                    Value.text("{\"_id\": {\"$oid\": \"" + a.toHexString() + "\"}, \"qty\": 5}"));
            assertThat(rows.get(3).values()).containsExactly(Value.text("b"),
                    Value.text("{\"_id\": \"b\", \"name\": \"replaced\"}"));
            assertThat(rows.get(4).values()).containsExactly(Value.text("b"), Value.NULL);
            assertThat(batches.get(0).batchId()).isEqualTo(7);
            assertThat(rows).allSatisfy(r -> assertThat(r.oldValues()).isNull());
        }
    }

    @Test
    void shouldSkipAnUpdateWhoseDocumentIsGoneAndLetTheDeleteRemoveIt() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders"));
        MongoCollection<Document> orders = db.getCollection("orders");
        orders.insertOne(new Document("_id", 1).append("v", 1));
        String start = MongoChangeStream.startToken(client, settings);
        orders.updateOne(Filters.eq("_id", 1), Updates.set("v", 2));
        orders.insertOne(new Document("_id", 2).append("v", 1));
        orders.updateOne(Filters.eq("_id", 2), Updates.set("v", 2));
        orders.deleteOne(Filters.eq("_id", 1));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            List<Change.Row> rows = readRows(stream, 3, new ArrayList<>());

            assertThat(rows).extracting(Change.Row::kind)
                    .containsExactly(Change.Kind.INSERT, Change.Kind.UPDATE, Change.Kind.DELETE);
            assertThat(rows).extracting(r -> r.values()[0]).containsExactly(Value.text("{\"$numberInt\": \"2\"}"),
                    Value.text("{\"$numberInt\": \"2\"}"), Value.text("{\"$numberInt\": \"1\"}"));
            assertThat(rows.get(1).values()[1]).isEqualTo(Value.text("{\"_id\": 2, \"v\": 2}"));
        }
    }

    @Test
    void shouldKeepAMultiDocumentTransactionInOneBatch() throws Exception {
        MongoStreamSettings settings = settings(2, mapping("orders"));
        String start = MongoChangeStream.startToken(client, settings);
        MongoCollection<Document> orders = db.getCollection("orders");
        orders.insertOne(new Document("_id", "before"));
        try (ClientSession session = client.startSession()) {
            session.withTransaction(() -> {
                for (int i = 1; i <= 5; i++) {
                    orders.insertOne(session, new Document("_id", "t" + i));
                }
                return null;
            });
        }
        orders.insertOne(new Document("_id", "after"));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            List<ChangeBatch> batches = new ArrayList<>();
            List<Change.Row> rows = readRows(stream, 7, batches);

            assertThat(idsOf(rows)).containsExactly("before", "t1", "t2", "t3", "t4", "t5", "after");
            // Each batch holds the whole transaction or none of it, though a batch "holds" two rows.
            assertThat(batches).allSatisfy(batch -> assertThat(idsOf(batch.changes()).stream()
                    .filter(id -> id.startsWith("t")).count()).isIn(0L, 5L));
        }
    }

    @Test
    void shouldCloseAPartlyFilledBatchOnceTheServersEventsAreReadWithALingerButNotInsideATransaction()
            throws Exception {
        // An idle timeout no test waits for: only the linger can close these batches.
        Duration idle = Duration.ofSeconds(60);
        MongoStreamSettings settings = new MongoStreamSettings("orders-mirror", List.of(mapping("orders")), 1000,
                idle, QUIET, 64 << 20, Duration.ofMillis(5));
        String start = MongoChangeStream.startToken(client, settings);
        MongoCollection<Document> orders = db.getCollection("orders");
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            for (int round = 1; round <= 3; round++) {
                long before = System.nanoTime();
                orders.insertOne(new Document("_id", "single" + round));
                ChangeBatch batch = nextNonEmpty(stream);
                long millis = Duration.ofNanos(System.nanoTime() - before).toMillis();
                assertThat(idsOf(batch.changes())).containsExactly("single" + round);
                // The server's wait for more (500 ms) bounds it; the idle timeout is 60 s.
                assertThat(millis).as("a lone change took %s ms", millis).isLessThan(2000);
                stream.acknowledge(batch);
            }

            try (ClientSession session = client.startSession()) {
                session.withTransaction(() -> {
                    for (int i = 1; i <= 2000; i++) {
                        orders.insertOne(session, new Document("_id", "t" + i).append("body", "x".repeat(2000)));
                    }
                    return null;
                });
            }
            // 2000 events of ~2 kB are more than the server sends in one answer (16 MB is not, but
            // the driver's batch size, 1000 here, is): the batch waits for the rest of the transaction.
            ChangeBatch whole = nextNonEmpty(stream);
            assertThat(whole.changes()).hasSize(2000);
            assertThat(idsOf(whole.changes()).get(1999)).isEqualTo("t2000");
        }
    }

    @Test
    void shouldCloseABatchOfLargeDocumentsAtItsBytesBeforeItsRows() throws Exception {
        // A row bound of 100 and a 30 s idle timeout never close these batches; 64 kB of JSON does,
        // after four documents of about 20 kB.
        MongoStreamSettings settings = new MongoStreamSettings("orders-mirror", List.of(mapping("orders")), 100,
                Duration.ofSeconds(30), QUIET, 64 << 10);
        String start = MongoChangeStream.startToken(client, settings);
        MongoCollection<Document> orders = db.getCollection("orders");
        for (int i = 1; i <= 12; i++) {
            orders.insertOne(new Document("_id", "d" + i).append("body", "x".repeat(20_000)));
        }
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            List<ChangeBatch> batches = new ArrayList<>();
            List<Change.Row> rows = readRows(stream, 12, batches);
            assertThat(rows).hasSize(12);
            assertThat(batches.stream().filter(b -> !b.changes().isEmpty()).map(b -> b.changes().size()))
                    .containsExactly(4, 4, 4);
        }
    }

    @Test
    void shouldResumeFromASavedPositionWithExactlyTheChangesAfterIt() throws Exception {
        MongoStreamSettings settings = settings(1, mapping("orders"));
        String start = MongoChangeStream.startToken(client, settings);
        MongoCollection<Document> orders = db.getCollection("orders");
        for (int i = 1; i <= 3; i++) {
            orders.insertOne(new Document("_id", "d" + i));
        }
        String saved;
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            ChangeBatch first = nextNonEmpty(stream);
            assertThat(idsOf(first.changes())).containsExactly("d1");
            stream.acknowledge(first);
            assertThat(stream.confirmedPosition()).isEqualTo(first.position());
            saved = first.position();
        }
        orders.insertOne(new Document("_id", "d4"));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, saved, 2)) {
            List<Change.Row> rows = readRows(stream, 3, new ArrayList<>());
            assertThat(idsOf(rows)).containsExactly("d2", "d3", "d4");
        }
    }

    @Test
    void shouldReplayWritesMadeAfterTheStartTokenWasTaken() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders"));
        MongoCollection<Document> orders = db.getCollection("orders");
        orders.insertOne(new Document("_id", "before"));
        String start = MongoChangeStream.startToken(client, settings);
        orders.insertOne(new Document("_id", "after1"));
        orders.deleteOne(Filters.eq("_id", "before"));
        orders.insertOne(new Document("_id", "after2"));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            List<Change.Row> rows = readRows(stream, 3, new ArrayList<>());
            assertThat(idsOf(rows)).containsExactly("after1", "before", "after2");
            assertThat(rows).extracting(Change.Row::kind)
                    .containsExactly(Change.Kind.INSERT, Change.Kind.DELETE, Change.Kind.INSERT);
        }
    }

    @Test
    void shouldMoveAnIdleStreamsPositionWithEmptyBatchesAsTheOplogMovesOn() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders"));
        String start = MongoChangeStream.startToken(client, settings);
        BsonTimestamp startTime = ResumeTokens.clusterTime(start);

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            // Writes the stream filters out move the oplog, and with it the post-batch resume token.
            Document write = db.runCommand(new Document("insert", "other")
                    .append("documents", List.of(new Document("_id", "unmapped"))));
            BsonTimestamp written = write.get("operationTime", BsonTimestamp.class);
            ChangeBatch quiet = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                Optional<ChangeBatch> batch = stream.nextBatch(() -> System.nanoTime() > deadline, () -> {});
                assertThat(batch).as("an empty batch with a moved position within 20 s").isPresent();
                assertThat(batch.get().changes()).isEmpty();
                if (ResumeTokens.clusterTime(batch.get().position()).compareTo(written) >= 0) {
                    quiet = batch.get();
                    break;
                }
            }
            assertThat(quiet).as("an empty batch past the unmapped write").isNotNull();
            assertThat(ResumeTokens.clusterTime(quiet.position())).isGreaterThan(startTime);
            // The server's cluster time is at or after it, so the lag is small and never negative.
            assertThat(ResumeTokens.lagSeconds(quiet.position(), ResumeTokens.currentClusterTime(client)))
                    .isBetween(0L, 15L);
            stream.acknowledge(quiet);
            assertThat(stream.confirmedPosition()).isEqualTo(quiet.position());

            // Resuming from an empty batch's position loses nothing written after it.
            db.getCollection("orders").insertOne(new Document("_id", "later"));
            try (MongoChangeStream resumed = MongoChangeStream.open(client, settings, quiet.position(), 9)) {
                assertThat(idsOf(readRows(resumed, 1, new ArrayList<>()))).containsExactly("later");
            }
        }
    }

    @Test
    void shouldEndTheStreamWhenAMappedCollectionIsDropped() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders"));
        String start = MongoChangeStream.startToken(client, settings);
        db.getCollection("other").drop();
        db.getCollection("orders").insertOne(new Document("_id", 1));
        db.getCollection("orders").drop();

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            assertThatThrownBy(() -> readRows(stream, 2, new ArrayList<>()))
                    .isInstanceOfSatisfying(MongoSourceException.class, e -> {
                        assertThat(e.problem()).isEqualTo(MongoSourceException.Problem.COLLECTION_DROPPED);
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.type()).isEqualTo("SourceConfiguration");
                    })
                    .hasMessage("mirror orders-mirror: collection " + dbName + ".orders was dropped on the source;"
                            + " its changes can no longer be followed; run `mirrorflow mirror resync orders-mirror`"
                            + " to reload it");
        }
    }

    @Test
    void shouldEndTheStreamWhenAMappedCollectionIsRenamedOrAnotherIsRenamedOntoIt() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders"), mapping("other"));
        String start = MongoChangeStream.startToken(client, settings);
        db.getCollection("orders").renameCollection(new MongoNamespace(dbName, "orders_old"));
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            assertThatThrownBy(() -> readRows(stream, 1, new ArrayList<>()))
                    .isInstanceOf(MongoSourceException.class)
                    .hasMessage("mirror orders-mirror: collection " + dbName + ".orders was renamed to " + dbName
                            + ".orders_old on the source; its changes can no longer be followed;"
                            + " run `mirrorflow mirror resync orders-mirror` to reload it");
        }

        String second = MongoChangeStream.startToken(client, settings);
        db.createCollection("staging");
        db.getCollection("staging").renameCollection(new MongoNamespace(dbName, "orders"));
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, second, 1)) {
            assertThatThrownBy(() -> readRows(stream, 1, new ArrayList<>()))
                    .isInstanceOf(MongoSourceException.class)
                    .hasMessageContaining("collection " + dbName + ".staging was renamed onto the mapped collection "
                            + dbName + ".orders on the source, replacing its documents; ");
        }
    }

    @Test
    void shouldEndTheStreamWhenTheDatabaseIsDropped() throws Exception {
        MongoStreamSettings settings = settings(100, mapping("orders"), mapping("other"));
        String start = MongoChangeStream.startToken(client, settings);
        db.drop();

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            assertThatThrownBy(() -> readRows(stream, 1, new ArrayList<>()))
                    .isInstanceOfSatisfying(MongoSourceException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("run `mirrorflow mirror resync orders-mirror`");
        }
    }

    @Test
    void shouldFollowCollectionsInSeveralDatabasesFromTheDeployment() throws Exception {
        String otherName = MongoTestServer.scratchDatabase("stream");
        otherDatabases.add(otherName);
        MongoDatabase other = client.getDatabase(otherName);
        other.createCollection("customers");
        MongoStreamSettings settings = settings(100, mapping("orders"),
                new DocumentMapping(otherName, "customers", List.of()));
        String start = MongoChangeStream.startToken(client, settings);
        db.getCollection("orders").insertOne(new Document("_id", "o1"));
        other.getCollection("customers").insertOne(new Document("_id", "c1"));
        other.getCollection("unmapped").insertOne(new Document("_id", "x"));
        db.getCollection("orders").insertOne(new Document("_id", "o2"));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            List<Change.Row> rows = readRows(stream, 3, new ArrayList<>());
            assertThat(idsOf(rows)).containsExactly("o1", "c1", "o2");
            assertThat(rows).extracting(r -> r.schema().id()).containsExactly(new TableId(dbName, "orders"),
                    new TableId(otherName, "customers"), new TableId(dbName, "orders"));
        }
    }

    @Test
    void shouldResumeAtTheTokensClusterTimeWhenTheServerCannotFindTheToken() throws Exception {
        MongoStreamSettings settings = settings(1, mapping("orders"));
        String start = MongoChangeStream.startToken(client, settings);
        MongoCollection<Document> orders = db.getCollection("orders");
        orders.insertOne(new Document("_id", "e1"));
        orders.insertOne(new Document("_id", "e2"));
        String tokenOfE1;
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            tokenOfE1 = nextNonEmpty(stream).position();
        }
        // The same event's token with one byte of the collection's UUID changed: the server finds
        // an event at that time, but not this one ("resume token not found", code 280).
        String data = ResumeTokens.parse(tokenOfE1).getString("_data").getValue();
        int uuid = data.indexOf("5A1004") + 6;
        char changed = data.charAt(uuid) == '0' ? '1' : '0';
        String unknown = new BsonDocument("_data", new org.bson.BsonString(
                data.substring(0, uuid) + changed + data.substring(uuid + 1))).toJson();
        assertThat(ResumeTokens.clusterTime(unknown)).isEqualTo(ResumeTokens.clusterTime(tokenOfE1));

        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, unknown, 1)) {
            // From the token's cluster time: e1 again (at that time, replayed onto an idempotent apply), then e2.
            assertThat(idsOf(readRows(stream, 2, new ArrayList<>()))).containsExactly("e1", "e2");
        }
    }

    @Test
    void shouldStopWithoutLosingWhatItReadOfAnIncompleteBatch() throws Exception {
        MongoStreamSettings settings = new MongoStreamSettings("orders-mirror", List.of(mapping("orders")), 100,
                Duration.ofSeconds(30), QUIET);
        String start = MongoChangeStream.startToken(client, settings);
        db.getCollection("orders").insertOne(new Document("_id", "kept"));
        try (MongoChangeStream stream = MongoChangeStream.open(client, settings, start, 1)) {
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            int[] ticks = {0};
            Optional<ChangeBatch> stopped = stream.nextBatch(() -> System.nanoTime() > until, () -> ticks[0]++);
            assertThat(stopped).isEmpty();
            assertThat(ticks[0]).isGreaterThanOrEqualTo(2);
            assertThat(stream.confirmedPosition()).isEqualTo(start);
        }
    }

    private MongoStreamSettings settings(int maxBatchRows, DocumentMapping... mappings) {
        return new MongoStreamSettings("orders-mirror", List.of(mappings), maxBatchRows, IDLE, QUIET);
    }

    private DocumentMapping mapping(String collection, String... exclude) {
        return new DocumentMapping(dbName, collection, List.of(exclude));
    }

    private static ChangeBatch nextNonEmpty(MongoChangeStream stream) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ChangeBatch> batch = stream.nextBatch(() -> System.nanoTime() > deadline, () -> {});
            if (batch.isPresent() && !batch.get().changes().isEmpty()) {
                return batch.get();
            }
        }
        throw new AssertionError("no batch with changes within 20 s");
    }

    /** Reads batches until {@code count} rows arrived, checking that positions only move forward. */
    private static List<Change.Row> readRows(MongoChangeStream stream, int count, List<ChangeBatch> batches)
            throws InterruptedException {
        List<Change.Row> rows = new ArrayList<>();
        while (rows.size() < count) {
            ChangeBatch batch = nextNonEmpty(stream);
            if (!batches.isEmpty()) {
                assertThat(ResumeTokens.clusterTime(batch.position()))
                        .isGreaterThanOrEqualTo(ResumeTokens.clusterTime(batches.get(batches.size() - 1).position()));
            }
            batches.add(batch);
            batch.changes().forEach(c -> rows.add((Change.Row) c));
        }
        assertThat(rows).hasSize(count);
        return rows;
    }

    private static List<String> idsOf(List<? extends Change> changes) {
        return changes.stream().map(c -> ((Value.Text) ((Change.Row) c).values()[0]).text()).toList();
    }
}
