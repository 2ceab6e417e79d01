package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.mongo.PrivateMongod;
import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.junit.jupiter.api.Test;

/**
 * A MongoDB mirror whose position fell off the oplog while it was paused, on a private
 * single-node replica set with the smallest oplog (1 MB): the resumed mirror FAILS with one line
 * naming {@code mirrorflow mirror resync NAME}, and that resync brings the destination back equal
 * to the collection.
 *
 * <p>mongod removes overflowing oplog entries only up to its last checkpoint, which by default
 * comes once a minute; the private server runs with {@code --syncdelay 1} (a checkpoint every
 * second) and the filler forces one with {@code fsync} as well, so the oplog's first entry passes
 * the mirror's position within seconds of writing a few MB instead of after a minute.
 */
class MongoHistoryLostIT extends WorkerTestClass {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** About a tenth of the 1 MB oplog per update: a few dozen overrun it many times. */
    private static final String PADDING_100_KB = "x".repeat(100 * 1024);

    @Test
    void shouldFailWithResyncAdviceWhenThePausedMirrorsPositionLeftTheOplogAndEndEqualAfterResync()
            throws Exception {
        String name = "mh_" + ScratchDatabase.randomSuffix();
        try (PrivateMongod mongod = PrivateMongod.replicaSet("rs_lost", 1,
                List.of("--syncdelay", "1", "--oplogMinRetentionHours", "0"));
                MongoClient client = mongod.directClient()) {
            MongoCollection<Document> items = client.getDatabase("shop").getCollection("items");
            for (int i = 0; i < 200; i++) {
                items.insertOne(new Document("_id", "item-" + i).append("n", i));
            }
            bed.ok("peer", "create", name + "_src", "--type", "mongodb", "--url",
                    "mongodb://" + mongod.address() + "/?replicaSet=rs_lost");
            bed.ok("peer", "create", name + "_dst", "--type", "postgres", "--url", bed.url(bed.destination),
                    "--password-file", state.resolve("password").toString());
            bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, "tables:\n  - source: shop.items\n"
                    + "    destination: public." + name + "\n").toString());
            bed.awaitPhase(name, MirrorPhase.RUNNING, TIMEOUT);
            items.updateOne(Filters.eq("_id", "item-1"), Updates.set("n", -1));
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "90s");
            bed.ok("mirror", "pause", name);
            bed.awaitPhase(name, MirrorPhase.PAUSED, TIMEOUT);

            BsonTimestamp position = ResumeTokens.clusterTime(checkpoint(name));
            // Changes the mirror has not seen, then enough oplog to push them and its position out.
            items.deleteOne(Filters.eq("_id", "item-2"));
            items.insertOne(new Document("_id", "item-1000").append("n", 1_000));
            long started = System.nanoTime();
            int updates = 0;
            while (oldestOplogEntry(client).compareTo(position) <= 0) {
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the oplog passes the mirror's position")
                        .isLessThan(Duration.ofSeconds(90));
                for (int i = 0; i < 10; i++) {
                    items.updateOne(Filters.eq("_id", "item-0"), Updates.set("padding", PADDING_100_KB + updates++));
                }
                client.getDatabase("admin").runCommand(new Document("fsync", 1));
            }
            items.updateOne(Filters.eq("_id", "item-0"), Updates.unset("padding"));

            bed.ok("mirror", "resume", name);
            bed.awaitPhase(name, MirrorPhase.FAILED, TIMEOUT);
            String advice = "the oplog no longer holds mirror " + name + "'s position; run `mirrorflow mirror resync "
                    + name + "`";
            assertThat(bed.mirror(name).lastError()).contains(advice).doesNotContain("\n");
            assertThat(bed.ok("mirror", "status", name).out()).contains("FAILED").contains(advice);

            items.updateOne(Filters.eq("_id", "item-3"), Updates.set("n", 333));
            bed.ok("mirror", "resync", name);
            bed.awaitPhase(name, MirrorPhase.RUNNING, TIMEOUT);
            items.updateOne(Filters.eq("_id", "item-4"), Updates.set("n", 444));
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "90s");

            Map<String, JsonNode> expected = new TreeMap<>();
            for (Document d : items.find()) {
                expected.put(d.getString("_id"),
                        JSON.readTree(d.toJson(JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build())));
            }
            assertThat(destination(name)).hasSize(200).isEqualTo(expected);
            bed.ok("mirror", "drop", name, "--drop-destination");
        }
    }

    /** The position the destination committed for the mirror. */
    private static String checkpoint(String mirror) throws Exception {
        try (Connection c = bed.destination.connect();
                PreparedStatement s = c.prepareStatement("SELECT position FROM _mirrorflow.checkpoints WHERE mirror = ?")) {
            s.setString(1, mirror);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("a checkpoint of mirror %s at the destination", mirror).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static BsonTimestamp oldestOplogEntry(MongoClient client) {
        Document first = client.getDatabase("local").getCollection("oplog.rs").find()
                .sort(new Document("$natural", 1)).limit(1).first();
        return first.get("ts", BsonTimestamp.class);
    }

    private static Map<String, JsonNode> destination(String table) throws Exception {
        Map<String, JsonNode> rows = new TreeMap<>();
        try (Connection c = bed.destination.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT _id, doc::text FROM public." + table)) {
            while (rs.next()) {
                rows.put(rs.getString(1), JSON.readTree(rs.getString(2)));
            }
        }
        return rows;
    }
}
