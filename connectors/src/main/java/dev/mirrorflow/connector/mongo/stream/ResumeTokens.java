package dev.mirrorflow.connector.mongo.stream;

import com.mongodb.client.MongoClient;
import java.time.Instant;
import java.util.HexFormat;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.json.JsonParseException;

/**
 * Reads MongoDB change stream positions (resume tokens as their JSON text, {@code {"_data":
 * "82..."}}) for what a person sees about a mirror: the cluster time a position stands at, the
 * server's cluster time now, and the lag between them. Stateless; safe from any thread.
 */
public final class ResumeTokens {

    /** The KeyString type byte that starts a resume token's {@code _data}: a BSON timestamp. */
    private static final int KEY_STRING_TIMESTAMP = 0x82;

    private ResumeTokens() {}

    /** The resume token in a position's JSON text. */
    public static BsonDocument parse(String position) {
        try {
            BsonDocument token = BsonDocument.parse(position);
            if (!token.containsKey("_data")) {
                throw new IllegalArgumentException("not a MongoDB resume token (no _data): " + position);
            }
            return token;
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not a MongoDB resume token: " + position, e);
        }
    }

    /** A resume token as the position text that batches carry and destinations store. */
    public static String position(BsonDocument token) {
        return token.toJson();
    }

    /**
     * The cluster time at which a position stands: the timestamp a resume token's {@code _data}
     * starts with (its first byte 0x82 marks a timestamp, the next eight hold seconds and
     * increment, big-endian). Events at this time or before it are behind the position.
     *
     * @throws IllegalArgumentException when the text is not a resume token of MongoDB 4.2 or newer
     */
    public static BsonTimestamp clusterTime(String position) {
        BsonValue data = parse(position).get("_data");
        if (!data.isString()) {
            throw new IllegalArgumentException("not a MongoDB 4.2+ resume token (_data is not hex text): " + position);
        }
        String hex = data.asString().getValue();
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex.substring(0, Math.min(hex.length(), 18)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a MongoDB resume token (_data is not hex): " + position, e);
        }
        if (bytes.length < 9 || (bytes[0] & 0xff) != KEY_STRING_TIMESTAMP) {
            throw new IllegalArgumentException("a MongoDB resume token that does not start with its cluster time: "
                    + position);
        }
        long value = 0;
        for (int i = 1; i < 9; i++) {
            value = (value << 8) | (bytes[i] & 0xff);
        }
        return new BsonTimestamp(value);
    }

    /** The wall-clock second a cluster time stands for. */
    public static Instant instant(BsonTimestamp clusterTime) {
        return Instant.ofEpochSecond(clusterTime.getTime());
    }

    /**
     * The server's cluster time now, from a {@code hello} command: its {@code $clusterTime}, else
     * its {@code operationTime}, else the time of the last write it knows. Blocks for one round trip.
     *
     * @throws IllegalStateException when the server reports none (a standalone server)
     */
    public static BsonTimestamp currentClusterTime(MongoClient client) {
        BsonDocument hello = client.getDatabase("admin").runCommand(new BsonDocument("hello", new BsonInt32(1)),
                BsonDocument.class);
        if (hello.isDocument("$clusterTime") && hello.getDocument("$clusterTime").isTimestamp("clusterTime")) {
            return hello.getDocument("$clusterTime").getTimestamp("clusterTime");
        }
        if (hello.isTimestamp("operationTime")) {
            return hello.getTimestamp("operationTime");
        }
        if (hello.isDocument("lastWrite") && hello.getDocument("lastWrite").isDocument("opTime")
                && hello.getDocument("lastWrite").getDocument("opTime").isTimestamp("ts")) {
            return hello.getDocument("lastWrite").getDocument("opTime").getTimestamp("ts");
        }
        throw new IllegalStateException("the MongoDB server reports no cluster time (is it a standalone server?"
                + " change streams need a replica set or a sharded cluster)");
    }

    /**
     * How many seconds {@code position} is behind {@code now} (0 when it is not behind), at the
     * one-second resolution of cluster times.
     */
    public static long lagSeconds(String position, BsonTimestamp now) {
        return Math.max(0, (long) now.getTime() - clusterTime(position).getTime());
    }
}
