package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.mongo.ScratchMongoDatabase;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MongoDB to PostgreSQL mirrors through the CLI and a worker, on the real dev-env mongod (a
 * single-node replica set), the real Temporal dev server and PostgreSQL.
 */
class MongoMirrorIT extends WorkerTestClass {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static ScratchMongoDatabase mongo;

    @BeforeAll
    static void mongo() throws Exception {
        mongo = ScratchMongoDatabase.create("mf_e2e");
        Files.writeString(state.resolve("mongo-password"), ScratchMongoDatabase.PASSWORD + "\n");
    }

    @AfterAll
    static void dropMongo() {
        if (mongo != null) {
            mongo.close();
        }
    }

    private static void peers(String prefix) {
        bed.ok("peer", "create", prefix + "_src", "--type", "mongodb", "--url",
                ScratchMongoDatabase.peerUrl(ScratchMongoDatabase.USER, ""),
                "--password-file", state.resolve("mongo-password").toString());
        bed.ok("peer", "create", prefix + "_dst", "--type", "postgres", "--url", bed.url(bed.destination),
                "--password-file", state.resolve("password").toString());
    }

    @Test
    void shouldLoadAndStreamACollectionWhileItIsWrittenAndEndEqual() throws Exception {
        String name = "mg_" + ScratchDatabase.randomSuffix();
        String coll = name + "_orders";
        MongoCollection<Document> orders = mongo.database().getCollection(coll);
        List<Document> seed = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            seed.add(new Document("_id", new ObjectId()).append("n", i).append("big", (long) i * 10_000_000_000L)
                    .append("price", new Decimal128(new java.math.BigDecimal(i + ".25")))
                    .append("at", new java.util.Date(1_700_000_000_000L + i)).append("secret", "pw" + i)
                    .append("card", new Document("number", "4111-" + i).append("brand", "visa")));
        }
        orders.insertMany(seed);
        peers(name);
        // A writer keeps inserting, updating and deleting while the mirror loads and streams.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            int i = 0;
            while (!stop.get()) {
                orders.insertOne(new Document("_id", "late-" + i).append("n", -i));
                orders.updateOne(Filters.eq("_id", seed.get(i % seed.size()).get("_id")), Updates.inc("n", 1_000_000));
                if (i % 3 == 0) {
                    orders.deleteOne(Filters.eq("_id", seed.get((i * 7 + 1) % seed.size()).get("_id")));
                }
                i++;
                written.incrementAndGet();
            }
        });
        writer.start();
        try {
            bed.ok("mirror", "create", "-f", bed.spec(name, "name: " + name + "\nsource: " + name + "_src\n"
                    + "destination: " + name + "_dst\ntables:\n  - source: " + mongo.name() + "." + coll + "\n"
                    + "    exclude: [secret, card.number]\nsnapshot:\n  rowsPerPartition: 1000\n  parallelism: 3\n")
                    .toString());
            bed.awaitPhase(name, MirrorPhase.RUNNING, TIMEOUT);
            Thread.sleep(1_000);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(written.get()).isPositive();
        orders.replaceOne(Filters.eq("_id", "late-0"), new Document("_id", "late-0").append("replaced", true));
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "90s");

        Map<String, com.fasterxml.jackson.databind.JsonNode> expected = new TreeMap<>();
        for (Document d : orders.find()) {
            d.remove("secret");
            Object card = d.get("card");
            if (card instanceof Document c) {
                c.remove("number");
            }
            expected.put(idText(d.get("_id")), jsonbNormal(d.toJson(org.bson.json.JsonWriterSettings.builder()
                    .outputMode(org.bson.json.JsonMode.RELAXED).build())));
        }
        Map<String, com.fasterxml.jackson.databind.JsonNode> actual = new TreeMap<>();
        try (Connection c = bed.destination.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT _id, doc::text FROM public." + coll)) {
            while (rs.next()) {
                actual.put(rs.getString(1), JSON.readTree(rs.getString(2)));
            }
        }
        assertThat(actual).hasSameSizeAs(expected);
        assertThat(actual).isEqualTo(expected);
        // Types kept as relaxed Extended JSON: a date as $date, a decimal as $numberDecimal.
        String one = actual.get(seed.get(2).getObjectId("_id").toHexString()).toString();
        assertThat(one).contains("\"$date\"").contains("\"$numberDecimal\"").doesNotContain("secret")
                .doesNotContain("4111");
        MirrorTestBed.Run status = bed.ok("mirror", "status", name);
        assertThat(status.out()).contains("RUNNING").contains("s behind the source").contains("batches, at cluster time ");
        bed.ok("mirror", "drop", name, "--drop-destination");
    }

    @Test
    void shouldRefuseWhatAMongoDbMirrorCannotHaveInOneLineAndWriteNothing() throws Exception {
        String name = "mgbad_" + ScratchDatabase.randomSuffix();
        mongo.database().createCollection(name + "_c");
        peers(name);
        String head = "name: " + name + "\nsource: " + name + "_src\ndestination: " + name + "_dst\n";
        Map<String, String> refused = Map.of(
                "sourceOptions:\n  slot: my_slot\ntables:\n  - source: " + mongo.name() + "." + name + "_c\n",
                "slot is an option of PostgreSQL sources",
                "tables:\n  - source: " + mongo.name() + ".missing_" + name + "\n",
                "does not exist",
                "tables:\n  - source: " + mongo.name() + "." + name + "_c\n    exclude: [_id]\n",
                "is not a field path");
        for (Map.Entry<String, String> spec : refused.entrySet()) {
            MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", bed.spec(name, head + spec.getKey()).toString());
            assertThat(run.exit()).as(spec.getKey()).isNotZero();
            assertThat(run.err().strip()).as(spec.getKey()).contains(spec.getValue()).doesNotContain("\n")
                    .doesNotContain("Exception");
        }
        assertThat(bed.cli("mirror", "status", name).exit()).as("nothing written to the catalog").isNotZero();
    }

    /** A JSON text as a tree, so that key order and spacing (which jsonb normalises) do not count. */
    private static com.fasterxml.jackson.databind.JsonNode jsonbNormal(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static String idText(Object id) {
        return id instanceof ObjectId o ? o.toHexString() : String.valueOf(id);
    }
}
