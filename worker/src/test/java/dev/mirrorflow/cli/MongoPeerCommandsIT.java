package dev.mirrorflow.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SecretCipher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The peer commands for MongoDB peers through the CLI's entry point, against the dev
 * environment's real mongod (a single-node replica set with access control) and a scratch catalog
 * on its real PostgreSQL. The peers log in as a user of their own with a password of its own, so
 * that a wrong password really is refused by the server.
 *
 * <p>The mongod's address comes from {@code mirrorflow.it.mongo.url} (a connection string without
 * a user, set by scripts/test.sh), its root login from {@code mirrorflow.it.mongo.user} and {@code
 * mirrorflow.it.mongo.password}, as for the connectors' MongoDB tests.
 */
class MongoPeerCommandsIT {

    private static final String SERVER_URL =
            System.getProperty("mirrorflow.it.mongo.url", "mongodb://127.0.0.1:27117/?replicaSet=rs0");
    private static final String ROOT_USER = System.getProperty("mirrorflow.it.mongo.user", "mirrorflow");
    private static final String ROOT_PASSWORD = System.getProperty("mirrorflow.it.mongo.password", "mirrorflow");
    /** The seed list of the server's URL, e.g. {@code 127.0.0.1:27117}. */
    private static final String HOSTS = String.join(",", new ConnectionString(SERVER_URL).getHosts());
    private static final String USER = "peer_it_" + ScratchDatabase.randomSuffix();
    private static final String PASSWORD = "Pw-" + ScratchDatabase.randomSuffix() + "-s3cret";
    private static final String DATABASE = "peer_it_docs_" + ScratchDatabase.randomSuffix();

    private static ScratchDatabase catalogDb;
    private static MongoClient root;

    @TempDir Path temp;

    private Path stateDir;
    private Path passwordFile;
    private StringWriter out;
    private StringWriter err;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeAll
    static void databases() throws SQLException {
        catalogDb = ScratchDatabase.create("mirrorflow_mongo_peer_it");
        root = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(SERVER_URL))
                .credential(MongoCredential.createCredential(ROOT_USER, "admin", ROOT_PASSWORD.toCharArray()))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(10, TimeUnit.SECONDS))
                .build());
        root.getDatabase(DATABASE).getCollection("orders").insertOne(new Document("_id", 1).append("total", 10));
        // What README tells a source's user to be granted: read on the mapped databases, and
        // clusterMonitor for the oplog window that peer check shows.
        root.getDatabase("admin").runCommand(new Document("createUser", USER).append("pwd", PASSWORD)
                .append("roles", List.of(new Document("role", "read").append("db", DATABASE),
                        new Document("role", "clusterMonitor").append("db", "admin"))));
    }

    @AfterAll
    static void dropDatabases() throws SQLException {
        if (root != null) {
            try {
                root.getDatabase("admin").runCommand(new Document("dropUser", USER));
            } finally {
                root.getDatabase(DATABASE).drop();
                root.close();
            }
        }
        if (catalogDb != null) {
            catalogDb.close();
        }
    }

    @BeforeEach
    void stateAndCapture() throws Exception {
        stateDir = temp.resolve("state");
        passwordFile = Files.writeString(temp.resolve("peer-password"), PASSWORD + "\n");
        logs.start();
        rootLogger.addAppender(logs);
    }

    @AfterEach
    void noSecretInAnyLog() {
        rootLogger.detachAppender(logs);
        for (ILoggingEvent event : logs.list) {
            String text = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(text).as("log line").doesNotContain(PASSWORD);
        }
    }

    @Test
    void shouldCreateListCheckAndDropAMongodbPeerWithoutEverShowingItsPassword() throws Exception {
        int created = run("peer", "create", "docs_src", "--type", "mongodb", "--url", url(USER, HOSTS),
                "--password-file", passwordFile.toString());

        assertThat(created).as("stderr: %s", err).isZero();
        String keyId = keyIdInStateDir();
        assertThat(out.toString()).isEqualTo("created peer docs_src: mongodb " + HOSTS + " (replica set rs0), user "
                + USER + " (reachable); secrets encrypted with key " + keyId + "\n");

        // The raw row, every column as PostgreSQL prints it, and the encrypted bytes as they are.
        Map<String, Object> row = rawRow("docs_src");
        assertThat(row.get("type")).isEqualTo("mongodb");
        assertThat((String) row.get("row")).doesNotContain(PASSWORD);
        assertThat((String) row.get("config_public")).doesNotContain(PASSWORD).contains(USER, DATABASE, HOSTS);
        assertThat(new String((byte[]) row.get("config_encrypted"), ISO_8859_1)).doesNotContain(PASSWORD, USER);
        assertThat(new String((byte[]) row.get("config_encrypted"), UTF_8)).doesNotContain(PASSWORD);
        assertThat(row.get("key_id")).isEqualTo(keyId);

        assertThat(run("peer", "list")).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).matches("NAME +TYPE +LOCATION +USER +CREATED");
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("docs_src +mongodb +" + (HOSTS + "/" + DATABASE).replace(".", "\\.")
                        + " \\(replica set rs0\\) +" + USER + " +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));

        assertThat(run("peer", "list", "--json")).isZero();
        JsonNode docs = find(new ObjectMapper().readTree(out.toString()), "docs_src");
        assertThat(docs.path("type").asText()).isEqualTo("mongodb");
        assertThat(docs.path("host").asText() + ":" + docs.path("port").asInt()).isEqualTo(HOSTS);
        assertThat(docs.path("database").asText()).isEqualTo(DATABASE);
        assertThat(docs.path("user").asText()).isEqualTo(USER);
        assertThat(docs.path("options").path("replicaSet").asText()).isEqualTo("rs0");
        assertThat(docs.path("options").path("authSource").asText()).isEqualTo("admin");

        assertThat(run("peer", "check", "docs_src")).as("stderr: %s", err).isZero();
        assertThat(out.toString())
                .startsWith("peer docs_src: mongodb " + HOSTS + " (replica set rs0), user " + USER + ": reachable\n"
                        + "  server version  6.0.")
                .contains("\n  topology        replica set rs0\n")
                .containsPattern("\n  oplog window    \\d+\\.\\d hours")
                .contains("\n  find            yes (tried " + DATABASE + ".orders)\n")
                .contains("\n  change streams  yes (opened on database " + DATABASE + ")\n")
                .contains("\n  roles           clusterMonitor@admin, read@" + DATABASE + "\n");
        assertThat(out.toString().lines().filter(l -> l.startsWith("peer "))).as("one first line").hasSize(1);

        assertThat(run("peer", "drop", "docs_src")).isZero();
        assertThat(out.toString()).isEqualTo("dropped peer docs_src\n");
        assertThat(rawRow("docs_src")).isEmpty();
    }

    @Test
    void shouldRefuseAWrongPasswordInOneLineAndStoreNothing() throws Exception {
        Path wrong = write("wrong-password", "not-" + PASSWORD);

        int exit = run("peer", "create", "wrong_pw", "--type", "mongodb", "--url", url(USER, HOSTS),
                "--password-file", wrong.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr())
                .startsWith("mirrorflow: peer wrong_pw: MongoDB at " + HOSTS + " (replica set rs0) rejected the login"
                        + " of user " + USER + " against database admin (")
                .endsWith("fix the peer's user and password (and authSource if the user is defined elsewhere), then"
                        + " run the command again");
        assertThat(out.toString()).isEmpty();
        assertThat(rawRow("wrong_pw")).isEmpty();
    }

    @Test
    void shouldSayInOneLineAndWithinSecondsThatAnUnreachableHostIsUnreachableAndStoreNothing() throws Exception {
        long started = System.nanoTime();
        int exit = run("peer", "create", "nowhere", "--type", "mongodb", "--url", url(USER, "127.0.0.1:1"),
                "--password-file", passwordFile.toString());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr())
                .startsWith("mirrorflow: peer nowhere: cannot reach MongoDB at 127.0.0.1:1 (replica set rs0) while"
                        + " connecting to the peer (")
                .endsWith("check the hosts, ports, replicaSet and TLS options and that the server is up and"
                        + " reachable from here");
        assertThat(took).as("the prompt's 5 s server selection timeout, not the worker's 30 s")
                .isLessThan(Duration.ofSeconds(15));
        assertThat(rawRow("nowhere")).isEmpty();
    }

    @Test
    void shouldNameTheReplicaSetTheServerReallyHasWhenTheUrlNamesAnother() throws Exception {
        int exit = run("peer", "create", "wrong_set", "--type", "mongodb",
                "--url", "mongodb://" + USER + "@" + HOSTS + "/?replicaSet=rs9&authSource=admin",
                "--password-file", passwordFile.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: peer wrong_set: MongoDB at " + HOSTS + " is a member of"
                + " replica set rs0, not rs9; create the peer again with replicaSet=rs0 in its URL");
        assertThat(rawRow("wrong_set")).isEmpty();
    }

    @Test
    void shouldRefuseAPasswordInTheUrlWithoutEchoingIt() throws Exception {
        int exit = run("peer", "create", "leaky", "--type", "mongodb",
                "--url", "mongodb://" + USER + ":" + PASSWORD + "@" + HOSTS + "/?replicaSet=rs0&authSource=admin");

        assertThat(exit).isEqualTo(2);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: the peer URL contains a password; put the password in a"
                + " file and pass --password-file");
        assertThat(rawRow("leaky")).isEmpty();
    }

    @Test
    void shouldStoreAnSrvPeerWithNoCheckAndListIt() throws Exception {
        assertThat(run("peer", "create", "atlas", "--type", "mongodb", "--no-check",
                "--url", "mongodb+srv://" + USER + "@cluster0.mongo.example/?authSource=admin",
                "--password-file", passwordFile.toString())).as("stderr: %s", err).isZero();
        assertThat(out.toString()).startsWith("created peer atlas: mongodb mongodb+srv://cluster0.mongo.example, user "
                + USER + " (not checked)");
        assertThat((String) rawRow("atlas").get("config_public")).contains("\"srv\": true").doesNotContain(PASSWORD);

        assertThat(run("peer", "list")).isZero();
        assertThat(out.toString().lines()).anySatisfy(line -> assertThat(line)
                .matches("atlas +mongodb +cluster0\\.mongo\\.example +" + USER + " +\\d{4}-.*"));

        assertThat(run("peer", "drop", "atlas")).isZero();
        assertThat(rawRow("atlas")).isEmpty();
    }

    @Test
    void shouldNameNoUserForAPeerThatLogsInAsNobody() throws Exception {
        assertThat(run("peer", "create", "anon", "--type", "mongodb", "--no-check",
                "--url", "mongodb+srv://cluster0.mongo.example/")).as("stderr: %s", err).isZero();
        assertThat(out.toString()).startsWith("created peer anon: mongodb mongodb+srv://cluster0.mongo.example (not"
                + " checked); secrets encrypted with key ");

        assertThat(run("peer", "create", "anon_pw", "--type", "mongodb",
                "--url", "mongodb://" + HOSTS + "/?replicaSet=rs0", "--password-file", passwordFile.toString()))
                .isEqualTo(2);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: a password file was given but the peer URL names no user;"
                + " write the user before the host (mongodb://USER@HOST:PORT/...), or leave out --password-file for a"
                + " deployment without access control");
        assertThat(rawRow("anon_pw")).isEmpty();

        assertThat(run("peer", "drop", "anon")).isZero();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        Map<String, String> env = new HashMap<>();
        env.put("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl());
        env.put("MIRRORFLOW_STATE_DIR", stateDir.toString());
        var cl = MirrorflowCommand.commandLine(env::get);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        assertThat(out.toString() + err).as("output").doesNotContain(PASSWORD);
        return exit;
    }

    private String oneLineOfErr() {
        String text = err.toString();
        assertThat(text.lines().count()).as("stderr is one line: %s", text).isEqualTo(1);
        return text.strip();
    }

    /** The URL a user would write: the user, the hosts, the scratch database, rs0 and admin as authSource. */
    private static String url(String user, String hosts) {
        return "mongodb://" + user + "@" + hosts + "/" + DATABASE + "?replicaSet=rs0&authSource=admin";
    }

    private Path write(String name, String content) {
        try {
            return Files.writeString(temp.resolve(name), content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String keyIdInStateDir() throws Exception {
        byte[] key = Base64.getDecoder().decode(Files.readString(stateDir.resolve("secret.key")).strip());
        return SecretCipher.keyIdOf(key);
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode node : array) {
            if (name.equals(node.path("name").asText())) {
                return node;
            }
        }
        throw new AssertionError("no peer " + name + " in " + array);
    }

    /** The peer's row as stored: the whole row as text, and the columns that could hold a secret. */
    private static Map<String, Object> rawRow(String name) throws SQLException {
        try (Connection c = catalogDb.connect();
                PreparedStatement ps = c.prepareStatement("SELECT p::text, p.peer_type, p.config_public::text,"
                        + " p.config_encrypted, p.key_id FROM mirrorflow.peers p WHERE p.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Map.of();
                }
                return Map.of("row", rs.getString(1), "type", rs.getString(2), "config_public", rs.getString(3),
                        "config_encrypted", rs.getBytes(4), "key_id", rs.getString(5));
            }
        }
    }
}
