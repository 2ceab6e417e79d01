package dev.mirrorflow.connector.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * Connects to a MongoDB peer for {@code mirrorflow peer check} and reports what a source needs:
 * the server version, the topology (a standalone server has no oplog and cannot stream), how many
 * hours of history the oplog holds, and whether the user may read documents and open change
 * streams. Only a failure to reach the deployment or to log in ends the probe; everything after
 * is reported, so one missing grant does not hide the others.
 */
public final class MongoProbe {

    /** What kind of deployment answered. */
    public enum Topology {
        REPLICA_SET, SHARDED, STANDALONE
    }

    /**
     * One yes/no answer with the reason or the advice that goes with it.
     *
     * @param allowed null when it could not be told
     */
    public record Answer(Boolean allowed, String detail) {

        String text() {
            String word = allowed == null ? "unknown" : allowed ? "yes" : "no";
            return detail == null || detail.isEmpty() ? word : word + " (" + detail + ")";
        }
    }

    /**
     * What {@code peer check} reports.
     *
     * @param version the server version, e.g. {@code 6.0.5}
     * @param replicaSet the replica set's name, null unless {@code topology} is a replica set
     * @param oplogWindow the time between the oldest and the newest oplog entry, or null when it
     *     could not be read (see {@code oplogNote})
     * @param lines what to print, the first naming the peer
     */
    public record Report(String version, Topology topology, String replicaSet, Duration oplogWindow,
            String oplogNote, Answer find, Answer changeStreams, List<String> lines) {

        /** Whether a mirror could stream from this peer as it is. */
        public boolean canStream() {
            return topology != Topology.STANDALONE && Boolean.TRUE.equals(changeStreams.allowed());
        }

        /** The oplog window in hours, or -1 when unknown. */
        public double oplogWindowHours() {
            return oplogWindow == null ? -1 : oplogWindow.toMillis() / 3_600_000.0;
        }
    }

    private MongoProbe() {}

    /**
     * Connects with {@link MongoPeerClients#FOR_PROMPT} timeouts and reports.
     *
     * @throws MongoPeerException with one line when the deployment cannot be reached or logged in to
     */
    public static Report probe(String peerName, MongoPeer peer) {
        return probe(peerName, peer, MongoPeerClients.FOR_PROMPT);
    }

    static Report probe(String peerName, MongoPeer peer, MongoPeerClients.Timeouts timeouts) {
        String subject = "peer " + peerName;
        try (MongoClient client = MongoPeerClients.open(peer, timeouts)) {
            MongoDatabase admin = client.getDatabase("admin");
            Document hello;
            String version;
            Document status;
            try {
                hello = admin.runCommand(new Document("hello", 1));
                version = admin.runCommand(new Document("buildInfo", 1)).getString("version");
                status = admin.runCommand(new Document("connectionStatus", 1).append("showPrivileges", true));
            } catch (MongoException e) {
                throw unreachable(e, subject, "checking the peer", peer);
            }
            Topology topology = hello.containsKey("setName") ? Topology.REPLICA_SET
                    : "isdbgrid".equals(hello.getString("msg")) ? Topology.SHARDED : Topology.STANDALONE;
            String replicaSet = topology == Topology.REPLICA_SET ? hello.getString("setName") : null;

            Duration window = null;
            String oplogNote;
            if (topology == Topology.REPLICA_SET) {
                try {
                    window = oplogWindow(client);
                    oplogNote = window == null ? "the oplog is empty" : null;
                } catch (MongoCommandException e) {
                    oplogNote = e.getErrorCode() == MongoFailureClassifier.UNAUTHORIZED
                            ? "user " + peer.user() + " may not read local.oplog.rs; grant the clusterMonitor role"
                                    + " (or read on local) to see it"
                            : "cannot read local.oplog.rs: " + e.getErrorMessage();
                } catch (MongoException e) {
                    oplogNote = "cannot read local.oplog.rs: " + e.getMessage();
                }
            } else if (topology == Topology.SHARDED) {
                oplogNote = "a mongos has no oplog of its own; each shard has one: check each shard's replica set"
                        + " (rs.printReplicationInfo() there)";
            } else {
                oplogNote = "a standalone server has no oplog";
            }

            Answer find = find(client, peer);
            Answer changeStreams = topology == Topology.STANDALONE
                    ? new Answer(false, "a standalone server cannot stream changes; run it as a replica set"
                            + " (mongod --replSet NAME, then rs.initiate())")
                    : changeStream(client, peer);

            List<String> lines = new ArrayList<>();
            lines.add("peer " + peerName + ": mongodb " + peer.location()
                    + (peer.user() == null ? "" : ", user " + peer.user()) + ": reachable");
            lines.add("  server version  " + version);
            lines.add("  topology        " + switch (topology) {
                case REPLICA_SET -> "replica set " + replicaSet;
                case SHARDED -> "sharded cluster (mongos)";
                case STANDALONE -> "standalone (cannot stream: change streams need a replica set or a sharded"
                        + " cluster)";
            });
            lines.add("  oplog window    " + (window == null ? "unknown (" + oplogNote + ")"
                    : hours(window) + (window.compareTo(Duration.ofHours(24)) < 0
                            ? " (less than a day: a mirror paused or down longer loses its position; raise"
                                    + " the oplog size or set oplogMinRetentionHours)"
                            : "")));
            lines.add("  find            " + find.text());
            lines.add("  change streams  " + changeStreams.text());
            lines.add(authenticatedLine(status));
            return new Report(version, topology, replicaSet, window, oplogNote, find, changeStreams,
                    List.copyOf(lines.stream().filter(l -> l != null).toList()));
        }
    }

    /**
     * Connects with {@link MongoPeerClients#FOR_PROMPT} timeouts, logs in and runs {@code ping}
     * ({@code peer create}); changes nothing on the server.
     *
     * @throws MongoPeerException with one line when the deployment cannot be reached or logged in to
     */
    public static void ping(String peerName, MongoPeer peer) {
        ping(peerName, peer, MongoPeerClients.FOR_PROMPT);
    }

    static void ping(String peerName, MongoPeer peer, MongoPeerClients.Timeouts timeouts) {
        try (MongoClient client = MongoPeerClients.open(peer, timeouts)) {
            // The driver logs in while it opens the connection, so a wrong password fails here too.
            client.getDatabase("admin").runCommand(new Document("ping", 1));
        } catch (MongoException e) {
            throw unreachable(e, "peer " + peerName, "connecting to the peer", peer);
        }
    }

    /**
     * The one line for a failure to reach or log in to the deployment; a timeout looking for a
     * replica set is explained by asking its first host what it is.
     */
    private static MongoPeerException unreachable(MongoException e, String subject, String action, MongoPeer peer) {
        if (e instanceof MongoTimeoutException) {
            String answer = askFirstHost(peer);
            if (answer != null) {
                return new MongoPeerException(subject + ": " + answer, false, e);
            }
        }
        return MongoFailureClassifier.classify(e, subject, action, peer);
    }

    /**
     * When no server of the named replica set was found, asks the first host directly what it is
     * (hello needs no login): a wrong replicaSet name or a standalone server is then said plainly
     * rather than as a timeout.
     *
     * @return what to tell the user, or null when that host does not explain it
     */
    private static String askFirstHost(MongoPeer peer) {
        String replicaSet = peer.option("replicaSet");
        if (peer.srv() || replicaSet == null) {
            return null;
        }
        String host = peer.hosts().get(0);
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://" + host + "/?directConnection=true"))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(2, TimeUnit.SECONDS))
                .applyToSslSettings(ssl -> ssl.enabled("true".equals(peer.option("tls"))
                        || peer.option("tlsCAFile") != null)
                        .invalidHostNameAllowed("true".equals(peer.option("tlsAllowInvalidHostnames"))))
                .build();
        try (MongoClient direct = MongoClients.create(settings)) {
            Document hello = direct.getDatabase("admin").runCommand(new Document("hello", 1));
            String setName = hello.getString("setName");
            if (setName != null && !setName.equals(replicaSet)) {
                return "MongoDB at " + host + " is a member of replica set " + setName + ", not " + replicaSet
                        + "; create the peer again with replicaSet=" + setName + " in its URL";
            }
            if (setName == null && !"isdbgrid".equals(hello.getString("msg"))) {
                return "MongoDB at " + host + " is a standalone server, not a member of replica set " + replicaSet
                        + ", and a standalone cannot stream changes; run it as a replica set (mongod --replSet NAME,"
                        + " then rs.initiate())";
            }
            if (setName == null) {
                return "MongoDB at " + host + " is a mongos (sharded cluster), which has no replica set name; remove"
                        + " replicaSet from the peer's URL";
            }
            return null;
        } catch (MongoException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The time between the oldest and the newest entry of the replica set's oplog, or null when empty. */
    static Duration oplogWindow(MongoClient client) {
        MongoCollection<Document> oplog = client.getDatabase("local").getCollection("oplog.rs");
        Document first = oplog.find().sort(new Document("$natural", 1)).limit(1)
                .projection(new Document("ts", 1)).first();
        Document last = oplog.find().sort(new Document("$natural", -1)).limit(1)
                .projection(new Document("ts", 1)).first();
        if (first == null || last == null) {
            return null;
        }
        Instant oldest = instant(first.get("ts", BsonTimestamp.class));
        Instant newest = instant(last.get("ts", BsonTimestamp.class));
        return Duration.between(oldest, newest);
    }

    private static Instant instant(BsonTimestamp ts) {
        return Instant.ofEpochSecond(ts.getTime());
    }

    /**
     * Tries a {@code find} on the URL's database when it names one; otherwise reads the answer
     * from the user's privileges, since any database may be mapped later.
     */
    private static Answer find(MongoClient client, MongoPeer peer) {
        String database = peer.database();
        if (database != null && !database.equals("admin")) {
            MongoDatabase db = client.getDatabase(database);
            try {
                String collection = null;
                for (String name : db.listCollectionNames()) {
                    if (!name.startsWith("system.")) {
                        collection = name;
                        break;
                    }
                }
                if (collection == null) {
                    return new Answer(null, "database " + database + " has no collection to try");
                }
                db.getCollection(collection).find().limit(1).first();
                return new Answer(true, "tried " + database + "." + collection);
            } catch (MongoCommandException e) {
                if (e.getErrorCode() == MongoFailureClassifier.UNAUTHORIZED) {
                    return new Answer(false, "user " + peer.user() + " may not read database " + database
                            + "; grant the read role on it");
                }
                return new Answer(null, "trying a find in " + database + " failed: " + e.getErrorMessage());
            }
        }
        try {
            Document status = client.getDatabase("admin")
                    .runCommand(new Document("connectionStatus", 1).append("showPrivileges", true));
            List<String> where = resourcesAllowing(status, "find");
            if (peer.user() == null) {
                return new Answer(true, "no access control");
            }
            return where.isEmpty()
                    ? new Answer(false, "user " + peer.user() + " may read no database; grant the read role on the"
                            + " databases to mirror (or readAnyDatabase)")
                    : new Answer(true, "on " + String.join(", ", where));
        } catch (MongoException e) {
            return new Answer(null, "cannot read the user's privileges: " + e.getMessage());
        }
    }

    /**
     * Opens a change stream, waits a moment for its first (usually empty) batch and closes it: on
     * the URL's database when it names one, otherwise on the whole deployment.
     */
    private static Answer changeStream(MongoClient client, MongoPeer peer) {
        String database = peer.database();
        boolean onDatabase = database != null && !database.equals("admin");
        String scope = onDatabase ? "database " + database : "the whole deployment";
        try (MongoChangeStreamCursor<ChangeStreamDocument<Document>> cursor = (onDatabase
                ? client.getDatabase(database).watch() : client.watch())
                .maxAwaitTime(100, TimeUnit.MILLISECONDS).cursor()) {
            cursor.tryNext();
            return new Answer(true, "opened on " + scope);
        } catch (MongoCommandException e) {
            if (e.getErrorCode() == MongoFailureClassifier.UNAUTHORIZED) {
                return new Answer(false, "user " + peer.user() + " may not open a change stream on " + scope
                        + "; grant the read role on the databases to mirror (it includes changeStream and find)"
                        + (onDatabase ? "" : ", or readAnyDatabase for a deployment-wide stream"));
            }
            return new Answer(false, "opening one on " + scope + " failed: " + e.getErrorMessage());
        } catch (MongoException e) {
            return new Answer(null, "opening one on " + scope + " failed: " + e.getMessage());
        }
    }

    /** The resources ({@code db.collection}, {@code db.*}, {@code every database}) on which the user has the action. */
    private static List<String> resourcesAllowing(Document status, String action) {
        List<String> where = new ArrayList<>();
        Document authInfo = status.get("authInfo", Document.class);
        if (authInfo == null) {
            return where;
        }
        List<Document> privileges = authInfo.getList("authenticatedUserPrivileges", Document.class, List.of());
        for (Document privilege : privileges) {
            List<String> actions = privilege.getList("actions", String.class, List.of());
            Document resource = privilege.get("resource", Document.class);
            if (resource == null || !actions.contains(action)) {
                continue;
            }
            if (Boolean.TRUE.equals(resource.getBoolean("anyResource"))) {
                where.add("every database");
                continue;
            }
            String db = resource.getString("db");
            String collection = resource.getString("collection");
            // System collections (system.js, system.profile...) come with most roles and tell nothing about data.
            if (db == null || collection == null || collection.startsWith("system.")) {
                continue;
            }
            String name = db.isEmpty() ? (collection.isEmpty() ? "every database" : "*." + collection)
                    : collection.isEmpty() ? db + ".*" : db + "." + collection;
            if (!where.contains(name) && !name.startsWith("local.") && !name.startsWith("config.")) {
                where.add(name);
            }
        }
        return where;
    }

    private static String authenticatedLine(Document status) {
        Document authInfo = status.get("authInfo", Document.class);
        if (authInfo == null) {
            return null;
        }
        List<Document> roles = authInfo.getList("authenticatedUserRoles", Document.class, List.of());
        if (roles.isEmpty()) {
            return "  roles           none (the server has no access control, or the user has no role)";
        }
        return "  roles           " + String.join(", ", roles.stream()
                .map(r -> r.getString("role") + "@" + r.getString("db")).sorted().toList());
    }

    private static String hours(Duration window) {
        return String.format(Locale.ROOT, "%.1f hours", window.toMillis() / 3_600_000.0);
    }
}
