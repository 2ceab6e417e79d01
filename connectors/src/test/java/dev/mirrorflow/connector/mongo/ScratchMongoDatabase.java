package dev.mirrorflow.connector.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * A throw-away database on the dev-env mongod (scripts/dev-env.sh: a single-node replica set with
 * access control), created for one test class and dropped afterwards, together with the users a
 * test created for it.
 *
 * <p>The server's address comes from the system property {@code mirrorflow.it.mongo.url} (a
 * connection string without a user, {@code mongodb://127.0.0.1:27117/?replicaSet=rs0} by default;
 * scripts/test.sh sets it from {@code MIRRORFLOW_DEV_MONGO_PORT}), the login from {@code
 * mirrorflow.it.mongo.user} and {@code mirrorflow.it.mongo.password} (both {@code mirrorflow}).
 */
public final class ScratchMongoDatabase implements AutoCloseable {

    public static final String SERVER_URL =
            System.getProperty("mirrorflow.it.mongo.url", "mongodb://127.0.0.1:27117/?replicaSet=rs0");
    public static final String USER = System.getProperty("mirrorflow.it.mongo.user", "mirrorflow");
    public static final String PASSWORD = System.getProperty("mirrorflow.it.mongo.password", "mirrorflow");

    private final String name;
    private final MongoClient client;

    private ScratchMongoDatabase(String name, MongoClient client) {
        this.name = name;
        this.client = client;
    }

    /**
     * Creates the database (by creating a first collection, {@code seed}, since MongoDB keeps no
     * empty database) named {@code prefix_} and a random suffix.
     */
    public static ScratchMongoDatabase create(String prefix) {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        MongoClient client = adminClient();
        try {
            client.getDatabase(name).createCollection("seed");
        } catch (RuntimeException e) {
            client.close();
            throw new IllegalStateException("cannot create a scratch database on " + SERVER_URL
                    + " (is the dev environment up? scripts/dev-env.sh up): " + e.getMessage(), e);
        }
        return new ScratchMongoDatabase(name, client);
    }

    /** A client logged in as the dev-env's root user; the caller closes it. */
    public static MongoClient adminClient() {
        return MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(SERVER_URL))
                .credential(MongoCredential.createCredential(USER, "admin", PASSWORD.toCharArray()))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(10, TimeUnit.SECONDS))
                .build());
    }

    public String name() {
        return name;
    }

    /** This database, through the root user's client. */
    public MongoDatabase database() {
        return client.getDatabase(name);
    }

    /** The root user's client, open until {@link #close()}. */
    public MongoClient client() {
        return client;
    }

    /**
     * A peer URL as a user would write it for this server: {@code user@} before the hosts, the
     * server's options, and {@code path} (a database, or empty) after the slash.
     */
    public static String peerUrl(String user, String path) {
        String rest = SERVER_URL.substring("mongodb://".length());
        int slash = rest.indexOf('/');
        String hosts = slash < 0 ? rest : rest.substring(0, slash);
        String query = slash < 0 ? "" : rest.substring(slash + 1);
        query = query.startsWith("?") ? query.substring(1) : query;
        String options = (query.isEmpty() ? "" : query + "&") + "authSource=admin";
        return "mongodb://" + user + "@" + hosts + "/" + path + "?" + options;
    }

    /** The dev-env's root user as a peer of this database. */
    public MongoPeer rootPeer() {
        return MongoPeerUrl.parse(peerUrl(USER, name)).withPassword(PASSWORD);
    }

    /**
     * Creates the user {@code NAME_suffix} (NAME being this database's name, so that {@link
     * #close()} drops it) in admin, holding {@code roles}: each {@code role} on this database, or
     * {@code role@db}.
     *
     * @return that user as a peer of this database, password included
     */
    public MongoPeer createUser(String suffix, String password, String... roles) {
        String user = name + "_" + suffix;
        List<Document> granted = new ArrayList<>();
        for (String role : roles) {
            int at = role.indexOf('@');
            granted.add(new Document("role", at < 0 ? role : role.substring(0, at))
                    .append("db", at < 0 ? name : role.substring(at + 1)));
        }
        client.getDatabase("admin").runCommand(new Document("createUser", user).append("pwd", password)
                .append("roles", granted));
        return MongoPeerUrl.parse(peerUrl(user, name)).withPassword(password);
    }

    @Override
    public void close() {
        try {
            MongoDatabase admin = client.getDatabase("admin");
            for (Document user : admin.getCollection("system.users").find(new Document("user",
                    new Document("$regex", "^" + name + "_")))) {
                admin.runCommand(new Document("dropUser", user.getString("user")));
            }
            client.getDatabase(name).drop();
        } finally {
            client.close();
        }
    }
}
