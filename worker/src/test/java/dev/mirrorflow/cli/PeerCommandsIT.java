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
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SecretCipher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The peer commands through the CLI's entry point, against the dev environment's real
 * PostgreSQL: a scratch catalog, a scratch database for the peers to point at, and a login role
 * with a password of its own, so that a wrong password really is refused by the server.
 */
class PeerCommandsIT {

    private static final URI SERVER = URI.create(ScratchDatabase.SERVER_URL.substring("jdbc:".length()));
    private static final String ROLE = "peer_it_" + ScratchDatabase.randomSuffix();
    private static final String PASSWORD = "Pw-" + ScratchDatabase.randomSuffix() + "-s3cret";

    private static ScratchDatabase catalogDb;
    private static ScratchDatabase targetDb;

    @TempDir Path temp;

    private Path stateDir;
    private Path passwordFile;
    private StringWriter out;
    private StringWriter err;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeAll
    static void databases() throws SQLException {
        catalogDb = ScratchDatabase.create("mirrorflow_peer_it");
        targetDb = ScratchDatabase.create("peer_target");
        targetDb.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'",
                "GRANT CONNECT ON DATABASE " + targetDb.name() + " TO " + ROLE);
    }

    @AfterAll
    static void dropDatabases() throws SQLException {
        if (targetDb != null) {
            targetDb.close();
            try (Connection c = java.sql.DriverManager.getConnection(ScratchDatabase.SERVER_URL + "postgres",
                    ScratchDatabase.USER, ScratchDatabase.PASSWORD)) {
                c.createStatement().execute("DROP ROLE IF EXISTS " + ROLE);
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
    void shouldCreateListCheckAndDropAPeerWithoutEverShowingItsPassword() throws Exception {
        int created = run("peer", "create", "shop_src", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", passwordFile.toString());

        assertThat(created).as("stderr: %s", err).isZero();
        String keyId = keyIdInStateDir();
        assertThat(out.toString()).isEqualTo("created peer shop_src: postgres " + location(targetDb.name()) + ", user "
                + ROLE + " (reachable); secrets encrypted with key " + keyId + "\n");
        assertThat(PosixPermissions.of(stateDir.resolve("secret.key"))).isEqualTo("rw-------");

        // The raw row, every column as PostgreSQL prints it, and the encrypted bytes as they are.
        Map<String, Object> row = rawRow("shop_src");
        assertThat((String) row.get("row")).doesNotContain(PASSWORD);
        assertThat((String) row.get("config_public")).doesNotContain(PASSWORD).contains(ROLE, targetDb.name());
        assertThat(new String((byte[]) row.get("config_encrypted"), ISO_8859_1)).doesNotContain(PASSWORD, ROLE);
        assertThat(new String((byte[]) row.get("config_encrypted"), UTF_8)).doesNotContain(PASSWORD);
        assertThat(row.get("key_id")).isEqualTo(keyId);

        assertThat(run("peer", "list")).isZero();
        assertThat(out.toString()).doesNotContain(PASSWORD);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).matches("NAME +TYPE +LOCATION +USER +CREATED");
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("shop_src +postgres +" + location(targetDb.name()).replace(".", "\\.") + " +" + ROLE
                        + " +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));

        assertThat(run("peer", "list", "--json")).isZero();
        assertThat(out.toString()).doesNotContain(PASSWORD);
        JsonNode listed = new ObjectMapper().readTree(out.toString());
        JsonNode shop = find(listed, "shop_src");
        assertThat(shop.path("type").asText()).isEqualTo("postgres");
        assertThat(shop.path("host").asText()).isEqualTo(SERVER.getHost());
        assertThat(shop.path("port").asInt()).isEqualTo(SERVER.getPort());
        assertThat(shop.path("database").asText()).isEqualTo(targetDb.name());
        assertThat(shop.path("user").asText()).isEqualTo(ROLE);
        assertThat(shop.path("keyId").asText()).isEqualTo(keyId);

        assertThat(run("peer", "check", "shop_src")).as("stderr: %s", err).isZero();
        assertThat(out.toString())
                .startsWith("peer shop_src: postgres " + location(targetDb.name()) + ", user " + ROLE + ": reachable\n")
                .containsPattern("server version  \\d+")
                .contains("wal_level       logical\n")
                .contains("replication     no (a source's user needs it: ALTER ROLE " + ROLE + " REPLICATION)")
                .doesNotContain(PASSWORD);

        assertThat(run("peer", "drop", "shop_src")).isZero();
        assertThat(out.toString()).isEqualTo("dropped peer shop_src\n");
        assertThat(rawRow("shop_src")).isEmpty();
        assertThat(run("peer", "drop", "shop_src")).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: there is no peer named shop_src; see the peers with:"
                + " mirrorflow peer list");
    }

    @Test
    void shouldReportTheReplicationAttributeOfASuperuser() {
        Path superuserPassword = write("superuser-password", ScratchDatabase.PASSWORD);
        assertThat(run("peer", "create", "shop_admin", "--type", "postgres",
                "--url", "jdbc:postgresql://" + SERVER.getHost() + ":" + SERVER.getPort() + "/" + targetDb.name()
                        + "?user=" + ScratchDatabase.USER + "&sslmode=disable",
                "--password-file", superuserPassword.toString())).as("stderr: %s", err).isZero();

        assertThat(run("peer", "check", "shop_admin")).isZero();
        assertThat(out.toString()).contains("replication     yes (superuser)");
        assertThat(run("peer", "drop", "shop_admin")).isZero();
    }

    @Test
    void shouldRefuseAWrongPasswordInOneLineAndStoreNothing() throws Exception {
        Path wrong = write("wrong-password", "not-" + PASSWORD);

        int exit = run("peer", "create", "wrong_pw", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", wrong.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr())
                .startsWith("mirrorflow: peer wrong_pw: PostgreSQL at " + location(targetDb.name()) + " rejected user "
                        + ROLE)
                .contains("password authentication failed")
                .endsWith("fix peer wrong_pw's user and password (or pg_hba.conf), then run the command again")
                .doesNotContain(PASSWORD);
        assertThat(out.toString()).isEmpty();
        assertThat(rawRow("wrong_pw")).isEmpty();
    }

    @Test
    void shouldSayAPasswordIsRequiredWhenThePeerHasNoneAndTheServerAsksForOne() throws Exception {
        int exit = run("peer", "create", "no_pw", "--type", "postgres", "--url", url(ROLE, targetDb.name()));

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: peer no_pw: PostgreSQL at " + location(targetDb.name())
                + " requires a password for user " + ROLE + " and peer no_pw has none; a password is required: pass"
                + " --password-file FILE (a file holding the password) when creating the peer, then run the command again");
        assertThat(rawRow("no_pw")).isEmpty();

        assertThat(run("peer", "create", "no_pw", "--type", "postgres", "--no-check",
                "--url", url(ROLE, targetDb.name()))).as("stderr: %s", err).isZero();
        assertThat(run("peer", "check", "no_pw")).isEqualTo(1);
        assertThat(oneLineOfErr()).startsWith("mirrorflow: peer no_pw: PostgreSQL at " + location(targetDb.name())
                + " requires a password for user " + ROLE).doesNotContain("cannot reach", "host and port");
        assertThat(run("peer", "drop", "no_pw")).isZero();
    }

    @Test
    void shouldSayInOneLineThatAnUnreachableHostIsUnreachableAndStoreNothing() throws Exception {
        int exit = run("peer", "create", "nowhere", "--type", "postgres",
                "--url", "postgres://" + ROLE + "@127.0.0.1:1/" + targetDb.name(),
                "--password-file", passwordFile.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr())
                .startsWith("mirrorflow: peer nowhere: cannot reach PostgreSQL at 127.0.0.1:1/" + targetDb.name())
                .endsWith("check the host and port and that the server is up and reachable from here");
        assertThat(rawRow("nowhere")).isEmpty();
    }

    @Test
    void shouldStoreAnUncheckedPeerWithNoCheckAndThenFailItsCheckInOneLine() {
        assertThat(run("peer", "create", "later", "--type", "postgres", "--no-check",
                "--url", "postgres://" + ROLE + "@127.0.0.1:1/" + targetDb.name(),
                "--password-file", passwordFile.toString())).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("(not checked)");

        assertThat(run("peer", "check", "later")).isEqualTo(1);
        assertThat(oneLineOfErr()).startsWith("mirrorflow: peer later: cannot reach PostgreSQL at 127.0.0.1:1/");

        assertThat(run("peer", "drop", "later")).isZero();
    }

    @Test
    void shouldRefuseADuplicateNameInOneLine() {
        assertThat(run("peer", "create", "twice", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", passwordFile.toString())).isZero();

        assertThat(run("peer", "create", "twice", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", passwordFile.toString())).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: a peer named 'twice' already exists; drop it first"
                + " (mirrorflow peer drop twice) or pick another name");

        assertThat(run("peer", "drop", "twice")).isZero();
    }

    @Test
    void shouldRefuseABadNameBeforeTouchingTheCatalog() {
        // The catalog URL points nowhere: the name must be refused before any connection is tried.
        int exit = run("peer", "create", "Shop-Source", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", passwordFile.toString(), "--catalog-url", "jdbc:postgresql://127.0.0.1:1/none");

        assertThat(exit).isEqualTo(2);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: 'Shop-Source' is not a valid peer name: use a lowercase"
                + " letter, then up to 62 lowercase letters, digits or underscores (e.g. orders_src)");
        assertThat(run("peer", "drop", "Shop-Source", "--catalog-url", "jdbc:postgresql://127.0.0.1:1/none"))
                .isEqualTo(2);
        assertThat(stateDir).doesNotExist();
    }

    @Test
    void shouldRefuseAPasswordInTheUrlWithoutEchoingIt() {
        int exit = run("peer", "create", "leaky", "--type", "postgres",
                "--url", "postgres://" + ROLE + ":" + PASSWORD + "@" + SERVER.getHost() + ":" + SERVER.getPort() + "/"
                        + targetDb.name());

        assertThat(exit).isEqualTo(2);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: the peer URL contains a password; put the password in a"
                + " file and pass --password-file");
        assertThat(out.toString() + err).doesNotContain(PASSWORD);
    }

    @Test
    void shouldRefuseAnUnsupportedTypeNamingTheSupportedOnes() {
        assertThat(run("peer", "create", "docs", "--type", "oracle", "--url", "oracle://db/docs")).isEqualTo(2);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: unknown peer type 'oracle'; supported types: postgres,"
                + " mongodb");
    }

    @Test
    void shouldRefuseToDropAPeerALiveMirrorUses() {
        assertThat(run("peer", "create", "used_src", "--type", "postgres", "--no-check",
                "--url", url(ROLE, targetDb.name()), "--password-file", passwordFile.toString())).isZero();
        assertThat(run("peer", "create", "used_dst", "--type", "postgres", "--no-check",
                "--url", url(ROLE, targetDb.name()), "--password-file", passwordFile.toString())).isZero();
        MirrorRow mirror;
        try (Catalog catalog = Catalog.open(catalogDb.catalogConfig())) {
            mirror = catalog.mirrors().create(new NewMirror("orders", "used_src", "used_dst", "{}", "mirror/orders"));
        }

        assertThat(run("peer", "drop", "used_src")).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: peer 'used_src' is used by mirror(s) orders; drop those"
                + " mirrors first");

        try (Catalog catalog = Catalog.open(catalogDb.catalogConfig())) {
            catalog.mirrors().markDropped(mirror.id());
        }
        assertThat(run("peer", "drop", "used_src")).isZero();
        assertThat(run("peer", "drop", "used_dst")).isZero();
    }

    @Test
    void shouldNameBothKeysWhenCheckingWithAnotherKeyAndSayWhenThereIsNone() throws Exception {
        assertThat(run("peer", "create", "keyed", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", passwordFile.toString())).isZero();
        String keyId = keyIdInStateDir();
        byte[] otherKey = SecretCipher.newKey();

        int exit = run(Map.of("MIRRORFLOW_SECRET_KEY", Base64.getEncoder().encodeToString(otherKey)),
                "peer", "check", "keyed");

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: peer keyed was encrypted with key " + keyId + " but this"
                + " process has key " + SecretCipher.keyIdOf(otherKey) + "; set MIRRORFLOW_SECRET_KEY to the key the"
                + " peers were created with");

        Path emptyStateDir = temp.resolve("other-state");
        assertThat(run("peer", "check", "keyed", "--state-dir", emptyStateDir.toString())).isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: peer keyed was encrypted with key " + keyId + " but this"
                + " process has no secret key; set MIRRORFLOW_SECRET_KEY to the key the peers were created with");
        assertThat(emptyStateDir).as("checking creates no key").doesNotExist();

        // The key file's content, given in the environment, is the same key.
        String keyFile = Files.readString(stateDir.resolve("secret.key"));
        assertThat(run(Map.of("MIRRORFLOW_SECRET_KEY", keyFile), "peer", "check", "keyed", "--state-dir",
                emptyStateDir.toString())).as("stderr: %s", err).isZero();

        assertThat(run("peer", "drop", "keyed")).isZero();
    }

    @Test
    void shouldUseTheKeyOfTheFileMirrorflowSecretKeyFileNamesAndStoreNothingWhenTheFileIsMissing() throws Exception {
        byte[] key = SecretCipher.newKey();
        // As a container secret holds it (deploy/make-secrets.sh): the base64 text and a line break.
        Path keyFile = write("mirrorflow_secret_key", Base64.getEncoder().encodeToString(key) + "\n");
        Map<String, String> fromFile = Map.of("MIRRORFLOW_SECRET_KEY_FILE", keyFile.toString());

        assertThat(run(fromFile, "peer", "create", "filekey", "--type", "postgres", "--url", url(ROLE, targetDb.name()),
                "--password-file", passwordFile.toString())).as("stderr: %s", err).isZero();
        assertThat(out.toString()).endsWith("secrets encrypted with key " + SecretCipher.keyIdOf(key) + "\n");
        assertThat(stateDir.resolve("secret.key")).as("no key file is made beside the given one").doesNotExist();
        assertThat(run(fromFile, "peer", "check", "filekey")).as("stderr: %s", err).isZero();

        Path missing = temp.resolve("no-such-key");
        assertThat(run(Map.of("MIRRORFLOW_SECRET_KEY_FILE", missing.toString()), "peer", "create", "nokey", "--type",
                "postgres", "--url", url(ROLE, targetDb.name()), "--password-file", passwordFile.toString()))
                .isEqualTo(1);
        assertThat(oneLineOfErr()).isEqualTo("mirrorflow: cannot read the secret key file " + missing + " named by"
                + " MIRRORFLOW_SECRET_KEY_FILE (NoSuchFileException); fix the path or make the file readable by this user");
        assertThat(rawRow("nokey")).isEmpty();
        assertThat(stateDir.resolve("secret.key")).doesNotExist();

        assertThat(run("peer", "drop", "filekey")).isZero();
    }

    @Test
    void shouldRefuseAnInvalidKeyInTheEnvironmentInOneLine() throws Exception {
        int exit = run(Map.of("MIRRORFLOW_SECRET_KEY", "too-short"), "peer", "create", "badkey", "--type", "postgres",
                "--url", url(ROLE, targetDb.name()), "--password-file", passwordFile.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(oneLineOfErr()).startsWith("mirrorflow: MIRRORFLOW_SECRET_KEY is not a valid key:")
                .doesNotContain("too-short");
        assertThat(rawRow("badkey")).isEmpty();
    }

    private int run(String... args) {
        return run(Map.of(), args);
    }

    /** Runs the CLI as a user would, pointed at the scratch catalog and the test's state directory. */
    private int run(Map<String, String> environment, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        Map<String, String> env = new HashMap<>(environment);
        env.putIfAbsent("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl());
        env.putIfAbsent("MIRRORFLOW_STATE_DIR", stateDir.toString());
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

    private static String url(String user, String database) {
        return "postgres://" + user + "@" + SERVER.getHost() + ":" + SERVER.getPort() + "/" + database;
    }

    private static String location(String database) {
        return SERVER.getHost() + ":" + SERVER.getPort() + "/" + database;
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
                PreparedStatement ps = c.prepareStatement("SELECT p::text, p.config_public::text,"
                        + " p.config_encrypted, p.key_id FROM mirrorflow.peers p WHERE p.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Map.of();
                }
                return Map.of("row", rs.getString(1), "config_public", rs.getString(2),
                        "config_encrypted", rs.getBytes(3), "key_id", rs.getString(4));
            }
        }
    }

    /** Keeps the permission check readable. */
    private static final class PosixPermissions {
        static String of(Path file) throws java.io.IOException {
            return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        }
    }
}
