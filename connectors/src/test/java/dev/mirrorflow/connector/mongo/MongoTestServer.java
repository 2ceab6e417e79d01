package dev.mirrorflow.connector.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The dev environment's real mongod (scripts/dev-env.sh: a single-node replica set with access
 * control) for the MongoDB source's integration tests.
 *
 * <p>The address comes from the system property {@code mirrorflow.it.mongo.url} or else the
 * environment variable {@code MIRRORFLOW_IT_MONGO_URL} (a connection string without a user,
 * {@code mongodb://127.0.0.1:27117/?replicaSet=rs0} by default), the login from {@code
 * mirrorflow.it.mongo.user} and {@code mirrorflow.it.mongo.password} (both {@code mirrorflow};
 * an empty user logs in as nobody, for a server without access control).
 */
final class MongoTestServer {

    static final String URL = setting("mirrorflow.it.mongo.url", "MIRRORFLOW_IT_MONGO_URL",
            "mongodb://127.0.0.1:27117/?replicaSet=rs0");
    static final String USER = setting("mirrorflow.it.mongo.user", "MIRRORFLOW_IT_MONGO_USER", "mirrorflow");
    static final String PASSWORD = setting("mirrorflow.it.mongo.password", "MIRRORFLOW_IT_MONGO_PASSWORD", "mirrorflow");

    private MongoTestServer() {}

    /** A client of the server as its root user; the caller closes it. */
    static MongoClient client() {
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(URL))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(10, TimeUnit.SECONDS));
        if (!USER.isEmpty()) {
            settings.credential(MongoCredential.createCredential(USER, "admin", PASSWORD.toCharArray()));
        }
        return MongoClients.create(settings.build());
    }

    /** A database name no other test uses, {@code prefix_} and a random suffix. */
    static String scratchDatabase(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String setting(String property, String variable, String fallback) {
        String value = System.getProperty(property);
        if (value == null) {
            value = System.getenv(variable);
        }
        return value == null ? fallback : value;
    }
}
