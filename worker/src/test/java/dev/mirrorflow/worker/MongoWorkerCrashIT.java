package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.mongo.ScratchMongoDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * WorkerCrashIT's promise for a MongoDB source: the worker process is killed with SIGKILL in the
 * middle of a mirror's initial load, or while it streams, as a writer keeps inserting, updating and
 * deleting documents, and a new worker takes over (after the killed activity's heartbeat timeout,
 * 15 s here). The destination still ends equal to the collection, document for document, with none
 * lost or doubled.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES) // two heartbeat timeouts, on a loaded machine
class MongoWorkerCrashIT {

    private static final Duration RECOVERY = Duration.ofSeconds(180);

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path state;

    private static MirrorTestBed bed;
    private static ScratchMongoDatabase mongo;
    private static Process worker;

    @BeforeAll
    static void environment() throws Exception {
        bed = new MirrorTestBed(state);
        mongo = ScratchMongoDatabase.create("mf_crash");
        Files.writeString(state.resolve("mongo-password"), ScratchMongoDatabase.PASSWORD + "\n");
    }

    @AfterAll
    static void teardown() throws Exception {
        stopWorker();
        if (mongo != null) {
            mongo.close();
        }
        bed.close();
    }

    private static void startWorker() throws Exception {
        stopWorker(); // another test's
        worker = bed.startWorkerProcess();
    }

    private static void killWorker() throws InterruptedException {
        worker.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to Temporal, PostgreSQL or mongod
        assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(worker.exitValue()).isEqualTo(137);
    }

    private static void stopWorker() throws InterruptedException {
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            worker.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static void peers(String prefix) {
        bed.ok("peer", "create", prefix + "_src", "--type", "mongodb", "--url",
                ScratchMongoDatabase.peerUrl(ScratchMongoDatabase.USER, ""),
                "--password-file", state.resolve("mongo-password").toString());
        bed.ok("peer", "create", prefix + "_dst", "--type", "postgres", "--url", bed.url(bed.destination),
                "--password-file", state.resolve("password").toString());
    }

    /** {@code documents} small documents with ObjectId keys, so that the load splits them into id ranges. */
    private static List<ObjectId> seed(MongoCollection<Document> collection, int documents) {
        List<ObjectId> ids = new ArrayList<>();
        List<Document> batch = new ArrayList<>();
        for (int i = 0; i < documents; i++) {
            ObjectId id = new ObjectId();
            ids.add(id);
            batch.add(new Document("_id", id).append("n", i).append("note", "seed " + i));
            if (batch.size() == 10_000) {
                collection.insertMany(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            collection.insertMany(batch);
        }
        return ids;
    }

    @Test
    void shouldEndEqualWithoutDuplicatesWhenTheWorkerIsKilledDuringTheLoad() throws Exception {
        String name = "mgcrash_" + ScratchDatabase.randomSuffix();
        String coll = name + "_docs";
        MongoCollection<Document> docs = mongo.database().getCollection(coll);
        List<ObjectId> seeded = seed(docs, 100_000);
        peers(name);
        startWorker();
        try (Writer writer = Writer.start(docs, seeded)) {
            bed.ok("mirror", "create", "--heartbeat-timeout", "15s", "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: %s.%s
                    batchSize: 1000
                    idleTimeout: 200ms
                    snapshot:
                      rowsPerPartition: 2500
                      parallelism: 2
                    """.formatted(mongo.name(), coll)).toString());

            // The kill: some of the 40 partitions are loaded (each marked in the destination's
            // transaction), the worker is copying others, and the rest wait for the next worker.
            MirrorTestBed.await("some partitions loaded", RECOVERY, () -> progress(name)[0] >= 4);
            killWorker();
            int[] atKill = progress(name);
            assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.SNAPSHOT);
            assertThat(atKill[0]).as("partitions done of %s when the worker was killed", atKill[1])
                    .isLessThan(atKill[1]);
            startWorker();
            bed.awaitPhase(name, MirrorPhase.RUNNING, RECOVERY);
            Thread.sleep(1_000); // a few writes streamed too
            writer.assertWriting();
        }
        assertEqual(name, docs, coll);
    }

    @Test
    void shouldEndEqualWithoutDuplicatesWhenTheWorkerIsKilledWhileStreaming() throws Exception {
        String name = "mgstream_" + ScratchDatabase.randomSuffix();
        String coll = name + "_docs";
        MongoCollection<Document> docs = mongo.database().getCollection(coll);
        List<ObjectId> seeded = seed(docs, 2_000);
        peers(name);
        startWorker();
        bed.ok("mirror", "create", "--heartbeat-timeout", "15s", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: %s.%s
                batchSize: 200
                idleTimeout: 200ms
                """.formatted(mongo.name(), coll)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, RECOVERY);
        try (Writer writer = Writer.start(docs, seeded)) {
            long before = batches(name);
            MirrorTestBed.await("batches applied", RECOVERY, () -> batches(name) > before + 3);
            killWorker();
            startWorker();
            // The new worker's stream starts from the destination's checkpoint and applies more.
            long atKill = batches(name);
            MirrorTestBed.await("streaming again", RECOVERY, () -> batches(name) > atKill + 3);
            writer.assertWriting();
            assertThat(bed.mirror(name).phase()).isEqualTo(MirrorPhase.RUNNING);
        }
        assertEqual(name, docs, coll);
    }

    /** Waits until the mirror caught up with the writes, then compares document for document. */
    private static void assertEqual(String name, MongoCollection<Document> docs, String coll) throws Exception {
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        Map<String, JsonNode> expected = new TreeMap<>();
        JsonWriterSettings relaxed = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
        for (Document d : docs.find()) {
            expected.put(d.getObjectId("_id").toHexString(), JSON.readTree(d.toJson(relaxed)));
        }
        Map<String, JsonNode> actual = new TreeMap<>();
        long rows = 0;
        try (Connection c = bed.destination.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT _id, doc::text FROM public." + coll)) {
            while (rs.next()) {
                actual.put(rs.getString(1), JSON.readTree(rs.getString(2)));
                rows++;
            }
        }
        assertThat(rows).as("destination rows (no duplicates)").isEqualTo(expected.size());
        assertThat(actual.keySet()).as("documents in the destination").isEqualTo(expected.keySet());
        List<String> differing = expected.keySet().stream()
                .filter(id -> !expected.get(id).equals(actual.get(id))).limit(5).toList();
        assertThat(differing).as("documents that differ, e.g. %s", differing.isEmpty() ? ""
                : expected.get(differing.get(0)) + " vs " + actual.get(differing.get(0))).isEmpty();
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "120s");
        stopWorker();
    }

    /** Partitions done and in all of the mirror's first load. */
    private static int[] progress(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            MirrorRow m = catalog.mirrors().findLatest(name).orElse(null);
            if (m == null) {
                return new int[] {0, 0};
            }
            var load = catalog.snapshotPartitions().progress(m.id(), 1);
            return new int[] {(int) load.partitionsDone(), (int) load.partitionsTotal()};
        }
    }

    private static long batches(String name) {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            return catalog.cdcBatches().totals(bed.mirror(name).id()).batches();
        }
    }

    /**
     * Inserts documents (with ObjectId keys, in the load's last id range), updates seeded and newly
     * inserted ones, and deletes some of both, until closed.
     */
    private static final class Writer implements AutoCloseable {

        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger rounds = new AtomicInteger();
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private final Thread thread;

        private Writer(MongoCollection<Document> docs, List<ObjectId> seeded) {
            thread = new Thread(() -> {
                List<ObjectId> inserted = new ArrayList<>();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    for (int i = 0; !stop.get(); i++) {
                        ObjectId id = new ObjectId();
                        docs.insertOne(new Document("_id", id).append("n", -i).append("note", "late " + i));
                        inserted.add(id);
                        docs.updateOne(Filters.eq("_id", seeded.get(random.nextInt(seeded.size()))),
                                Updates.inc("n", 1_000_000));
                        docs.updateOne(Filters.eq("_id", inserted.get(random.nextInt(inserted.size()))),
                                Updates.set("note", "updated " + i));
                        if (i % 3 == 0) {
                            docs.deleteOne(Filters.eq("_id", seeded.get(random.nextInt(seeded.size()))));
                            docs.deleteOne(Filters.eq("_id", inserted.get(random.nextInt(inserted.size()))));
                        }
                        rounds.incrementAndGet();
                        Thread.sleep(2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            }, "mongo-writer");
            thread.start();
        }

        static Writer start(MongoCollection<Document> docs, List<ObjectId> seeded) {
            return new Writer(docs, seeded);
        }

        void assertWriting() {
            assertThat(failure.get()).as("writer failure").isNull();
            assertThat(rounds.get()).as("write rounds").isPositive();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
            assertThat(failure.get()).as("writer failure").isNull();
        }
    }
}
