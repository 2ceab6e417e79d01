package dev.mirrorflow.connector.postgres.pgoutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

/**
 * Captures the pgoutput byte fixtures under {@code src/test/resources/pgoutput} from a real
 * PostgreSQL server, so that {@link PgOutputDecoderTest} checks the decoder against what a server
 * really sends rather than against our reading of the documentation. The tests themselves only
 * read the committed files and need no server.
 *
 * <p>For each scenario it runs the setup, creates a temporary pgoutput slot on a replication
 * connection, runs the scenario's transactions on a normal connection, and records every message
 * up to the end of the last transaction. It works in a scratch database that it creates and drops
 * again; temporary slots vanish with their connection, and the end checks that none is left.
 *
 * <p>Run it from the repository root against the dev environment ({@code scripts/dev-env.sh up}).
 * It runs on a plain {@code java} command line because {@code exec:java} without {@code -am}
 * cannot resolve the sibling modules, and with {@code -am} would run in every module:
 *
 * <pre>
 * mvn -q -pl activities -am test-compile dependency:build-classpath \
 *     -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
 * java -cp "activities/target/test-classes:activities/target/classes:$(cat activities/target/test.classpath)" \
 *     dev.mirrorflow.connector.postgres.pgoutput.PgOutputFixtureCapture
 * </pre>
 *
 * <p>System properties {@code mirrorflow.it.pg.url}, {@code pgoutput.capture.user} and {@code
 * pgoutput.capture.password} override the dev environment's address and superuser. Publications
 * {@code FOR ALL TABLES} and replication origins need a superuser.
 */
public final class PgOutputFixtureCapture {

    static final String DATABASE = "pgoutput_fixtures";
    static final String PUBLICATION = "mirrorflow_fixtures";
    static final String ORIGIN = "mirrorflow_fixture_origin";
    static final String SLOT_PREFIX = "mirrorflow_fixture_";

    private static final long SCENARIO_TIMEOUT_MILLIS = 60_000;

    // The walsender formats text values with its own session settings. pgjdbc already sends
    // DateStyle ISO and extra_float_digits; the zone is pinned so that timestamptz text does not
    // depend on the capturing machine. The header records the settings the walsender really used.
    private static final String SESSION_SETTINGS = "-c TimeZone=UTC";
    private static final String SHOW_SESSION_SETTINGS = """
            SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
            FROM pg_settings
            WHERE name IN ('TimeZone', 'DateStyle', 'IntervalStyle', 'extra_float_digits',
                           'client_encoding', 'logical_decoding_work_mem')""";

    // Streaming starts once a transaction's decoded changes exceed this; 64kB is the minimum,
    // so a few hundred small rows are enough to stream.
    private static final String STREAMING_SETTINGS = " -c logical_decoding_work_mem=64kB";

    private static final List<String> SCHEMA = List.of(
            "CREATE TYPE fx_mood AS ENUM ('sad', 'ok', 'happy')",
            """
            CREATE TABLE fx_all_types (
                id int4 PRIMARY KEY,
                c_int2 int2, c_int4 int4, c_int8 int8,
                c_numeric numeric, c_numeric_scaled numeric(12, 2),
                c_text text, c_varchar varchar(20), c_char char(5),
                c_bool bool,
                c_float4 float4, c_float8 float8,
                c_date date, c_time time, c_timetz timetz,
                c_timestamp timestamp, c_timestamptz timestamptz, c_interval interval,
                c_uuid uuid, c_json json, c_jsonb jsonb, c_bytea bytea,
                c_int_array int4[], c_text_array text[],
                c_mood fx_mood)""",
            "CREATE TABLE fx_document (id int4 PRIMARY KEY, revision int4 NOT NULL, body text NOT NULL)",
            // EXTERNAL stores a long value out of line without compressing it, so the body below
            // is certainly TOASTed and an update that leaves it alone sends it as unchanged.
            "ALTER TABLE fx_document ALTER COLUMN body SET STORAGE EXTERNAL",
            "CREATE TABLE fx_account (id int4 PRIMARY KEY, owner text NOT NULL, balance numeric(12, 2) NOT NULL)",
            "CREATE TABLE fx_event_log (happened_at timestamptz NOT NULL, event text NOT NULL, amount numeric)",
            "ALTER TABLE fx_event_log REPLICA IDENTITY FULL",
            "CREATE TABLE fx_customer (id int4 GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)",
            """
            CREATE TABLE fx_order (
                id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id int4 NOT NULL REFERENCES fx_customer)""",
            "CREATE TABLE fx_evolving (id int4 PRIMARY KEY, name text NOT NULL)",
            """
            CREATE TABLE fx_binary (
                id int4 PRIMARY KEY, label text, flag bool, ratio float8, payload bytea,
                happened_at timestamptz, missing int4)""",
            "CREATE TABLE fx_bulk (id int4 PRIMARY KEY)",
            "CREATE PUBLICATION " + PUBLICATION + " FOR ALL TABLES");

    /** One SQL transaction of a scenario's workload. */
    record Transaction(boolean rollBack, List<String> statements) {
        static Transaction commit(String... statements) {
            return new Transaction(false, List.of(statements));
        }

        static Transaction rollBack(String... statements) {
            return new Transaction(true, List.of(statements));
        }
    }

    /**
     * One fixture file: the workload that produces it and how the slot is started.
     *
     * @param setup statements run before the slot exists, so their changes are not captured
     * @param teardown statements run after the capture, in autocommit mode
     */
    record Scenario(
            String name,
            String summary,
            int protocolVersion,
            Map<String, String> extraSlotOptions,
            boolean streamingMemory,
            List<String> setup,
            List<Transaction> transactions,
            List<String> teardown) {

        static Scenario v1(String name, String summary, List<String> setup, Transaction... transactions) {
            return new Scenario(name, summary, 1, Map.of(), false, setup, List.of(transactions), List.of());
        }
    }

    static List<Scenario> scenarios() {
        return List.of(
                Scenario.v1("insert-all-types",
                        "an enum type, a table of many column types, and rows of values, special floats, '' and NULLs",
                        List.of(),
                        Transaction.commit(
                                """
                                INSERT INTO fx_all_types VALUES (
                                    1, -32768, 2147483647, -9223372036854775808,
                                    12345678901234567890.123456789012345, 1234.5,
                                    'héllo wörld ✓', 'varchar', 'ab', true,
                                    1.5, 3.141592653589793,
                                    '2024-02-29', '13:45:56.789012', '13:45:56.789012+05:30',
                                    '2024-02-29 13:45:56.789012', '2024-02-29 13:45:56.789012+05:30',
                                    '1 year 2 months 3 days 04:05:06.789',
                                    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                                    '{"b": 1, "a": [true, null]}', '{"b": 1, "a": [true, null]}',
                                    '\\xdeadbeef', '{1,2,3}', '{"a b",NULL,"c,d"}', 'happy')""",
                                """
                                INSERT INTO fx_all_types (id, c_text, c_float4, c_float8)
                                VALUES (2, '', 'NaN', 'Infinity')""",
                                """
                                INSERT INTO fx_all_types (id, c_float4, c_float8)
                                VALUES (3, '-Infinity', 'NaN')""")),
                Scenario.v1("update-unchanged-toast",
                        "an update that leaves a TOASTed text column unchanged",
                        List.of("INSERT INTO fx_document VALUES (1, 1, repeat('mirrorflow ', 1000))"),
                        Transaction.commit("UPDATE fx_document SET revision = 2 WHERE id = 1")),
                Scenario.v1("update-primary-key",
                        "an update that changes the primary key, then one that does not",
                        List.of("INSERT INTO fx_account VALUES (1, 'alice', 10.00)"),
                        Transaction.commit(
                                "UPDATE fx_account SET id = 2 WHERE id = 1",
                                "UPDATE fx_account SET balance = 20.50 WHERE id = 2")),
                Scenario.v1("delete",
                        "a delete from a table with the default replica identity (its primary key)",
                        List.of("INSERT INTO fx_account VALUES (3, 'carol', 5.00)"),
                        Transaction.commit("DELETE FROM fx_account WHERE id = 3")),
                Scenario.v1("replica-identity-full",
                        "an update and a delete on a table with REPLICA IDENTITY FULL and no primary key",
                        List.of("INSERT INTO fx_event_log VALUES ('2024-02-29 12:00:00+00', 'deposit', 10)"),
                        Transaction.commit("UPDATE fx_event_log SET amount = 11 WHERE event = 'deposit'"),
                        Transaction.commit("DELETE FROM fx_event_log WHERE event = 'deposit'")),
                Scenario.v1("truncate",
                        "a TRUNCATE of two tables with RESTART IDENTITY CASCADE",
                        List.of("INSERT INTO fx_customer (name) VALUES ('acme')",
                                "INSERT INTO fx_order (customer_id) SELECT id FROM fx_customer"),
                        Transaction.commit("TRUNCATE fx_customer, fx_order RESTART IDENTITY CASCADE")),
                Scenario.v1("add-column",
                        "an insert, ALTER TABLE ADD COLUMN, and an insert: two Relation messages for one table",
                        List.of(),
                        Transaction.commit("INSERT INTO fx_evolving VALUES (1, 'before')"),
                        Transaction.commit("ALTER TABLE fx_evolving ADD COLUMN note text DEFAULT 'added'"),
                        Transaction.commit("INSERT INTO fx_evolving VALUES (2, 'after', 'noted')")),
                new Scenario("origin",
                        "a transaction replayed through a replication origin, as another replicator would",
                        1, Map.of(), false,
                        List.of("SELECT pg_replication_origin_create('" + ORIGIN + "')"),
                        List.of(Transaction.commit(
                                "SELECT pg_replication_origin_session_setup('" + ORIGIN + "')",
                                "SELECT pg_replication_origin_xact_setup('0/1A2B3C4D', '2024-02-29 12:00:00+00')",
                                "INSERT INTO fx_account VALUES (10, 'replayed', 1.00)")),
                        List.of("SELECT pg_replication_origin_session_reset()",
                                "SELECT pg_replication_origin_drop('" + ORIGIN + "')")),
                new Scenario("binary",
                        "an insert sent in binary form",
                        1, Map.of("binary", "true"), false,
                        List.of(),
                        List.of(Transaction.commit("""
                                INSERT INTO fx_binary VALUES (
                                    1, 'hé', true, 0.5, '\\x0102ff', '2024-02-29 08:15:56.789012+00', NULL)""")),
                        List.of()),
                new Scenario("logical-message",
                        "a non-transactional and a transactional pg_logical_emit_message",
                        2, Map.of("messages", "true"), false,
                        List.of(),
                        List.of(Transaction.commit(
                                        "SELECT pg_logical_emit_message(false, 'mirrorflow', 'outside')"),
                                Transaction.commit(
                                        "SELECT pg_logical_emit_message(true, 'mirrorflow', 'hello')",
                                        "INSERT INTO fx_account VALUES (20, 'messenger', 0.00)")),
                        List.of()),
                new Scenario("streamed-commit",
                        "a large transaction streamed before its commit, with a rolled-back savepoint",
                        2, Map.of("streaming", "on"), true,
                        List.of(),
                        List.of(Transaction.commit(
                                "INSERT INTO fx_bulk SELECT generate_series(1, 1000)",
                                "SAVEPOINT discarded",
                                "INSERT INTO fx_bulk SELECT generate_series(1001, 2000)",
                                // Lets the walsender stream the savepoint's rows while the
                                // transaction is open, so that their rollback needs a Stream Abort.
                                "SELECT pg_sleep(2)",
                                "ROLLBACK TO SAVEPOINT discarded",
                                "INSERT INTO fx_bulk VALUES (5000)")),
                        List.of()),
                new Scenario("streamed-abort",
                        "a large transaction streamed before it rolled back",
                        2, Map.of("streaming", "on"), true,
                        List.of(),
                        List.of(Transaction.rollBack(
                                "INSERT INTO fx_bulk SELECT generate_series(10001, 11000)",
                                // A transaction decoded only after it aborted streams nothing: the
                                // walsender notices the abort and stops. Waiting here lets it
                                // stream the rows while the transaction is still open.
                                "SELECT pg_sleep(2)")),
                        List.of()));
    }

    public static void main(String[] args) throws Exception {
        String url = System.getProperty("mirrorflow.it.pg.url", "jdbc:postgresql://127.0.0.1:55432/");
        String user = System.getProperty("pgoutput.capture.user", "mirrorflow");
        String password = System.getProperty("pgoutput.capture.password", "mirrorflow");
        Path outputDirectory = args.length > 0 ? Path.of(args[0]) : defaultOutputDirectory();
        // pgjdbc also sends the JVM's zone at connect; UTC keeps that from varying too.
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));

        var capture = new PgOutputFixtureCapture(url, user, password);
        try {
            capture.createScratchDatabase();
            for (Scenario scenario : scenarios()) {
                Path file = outputDirectory.resolve(scenario.name() + ".hex");
                int count = capture.capture(scenario, file);
                System.out.printf("%-24s %5d messages -> %s%n", scenario.name(), count, file);
            }
        } finally {
            capture.dropScratchDatabase();
        }
    }

    private static Path defaultOutputDirectory() {
        // Maven's exec:java keeps the directory mvn was started in, the reactor root or the module.
        Path fromRoot = Path.of("activities", "src", "test", "resources", "pgoutput");
        return Files.isDirectory(fromRoot.getParent()) ? fromRoot : Path.of("src", "test", "resources", "pgoutput");
    }

    private final String serverUrl;
    private final String user;
    private final String password;

    PgOutputFixtureCapture(String serverUrl, String user, String password) {
        this.serverUrl = serverUrl.endsWith("/") ? serverUrl : serverUrl + "/";
        this.user = user;
        this.password = password;
    }

    void createScratchDatabase() throws SQLException {
        try (Connection admin = connect("postgres", new Properties()); Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            dropOriginIfPresent(statement);
            statement.execute("CREATE DATABASE " + DATABASE);
        }
        try (Connection connection = connect(DATABASE, new Properties());
                Statement statement = connection.createStatement()) {
            for (String sql : SCHEMA) {
                statement.execute(sql);
            }
        }
    }

    void dropScratchDatabase() throws SQLException {
        try (Connection admin = connect("postgres", new Properties()); Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            dropOriginIfPresent(statement);
            try (ResultSet slots = statement.executeQuery(
                    "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE '" + SLOT_PREFIX + "%'")) {
                if (slots.next()) {
                    throw new IllegalStateException("Replication slot " + slots.getString(1)
                            + " was left behind; drop it with pg_drop_replication_slot");
                }
            }
        }
    }

    private static void dropOriginIfPresent(Statement statement) throws SQLException {
        statement.execute("SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname = '"
                + ORIGIN + "'");
    }

    /** Runs one scenario and writes its fixture file; returns the number of messages captured. */
    int capture(Scenario scenario, Path file) throws SQLException, IOException, InterruptedException {
        Map<String, String> slotOptions = new LinkedHashMap<>();
        slotOptions.put("proto_version", Integer.toString(scenario.protocolVersion()));
        slotOptions.put("publication_names", PUBLICATION);
        slotOptions.putAll(scenario.extraSlotOptions());
        String sessionSettings = SESSION_SETTINGS + (scenario.streamingMemory() ? STREAMING_SETTINGS : "");
        String slotName = SLOT_PREFIX + scenario.name().replace('-', '_');

        List<byte[]> messages;
        String serverVersion;
        String walsenderSettings;
        try (Connection workload = connect(DATABASE, new Properties());
                Statement statement = workload.createStatement()) {
            serverVersion = queryString(statement, "SELECT version()");
            for (String sql : scenario.setup()) {
                statement.execute(sql);
            }
            try (Connection replication = connectForReplication(sessionSettings)) {
                try (Statement walsender = replication.createStatement()) {
                    walsenderSettings = queryString(walsender, SHOW_SESSION_SETTINGS);
                }
                PGConnection pg = replication.unwrap(PGConnection.class);
                pg.getReplicationAPI().createReplicationSlot().logical()
                        .withSlotName(slotName)
                        .withOutputPlugin("pgoutput")
                        .withTemporaryOption()
                        .make();
                ChainedLogicalStreamBuilder builder = pg.getReplicationAPI().replicationStream().logical()
                        .withSlotName(slotName)
                        .withStatusInterval(1, TimeUnit.SECONDS);
                slotOptions.forEach(builder::withSlotOption);
                try (PGReplicationStream stream = builder.start()) {
                    long lastXid = runWorkload(workload, scenario.transactions());
                    messages = readUntilTransactionEnds(stream, lastXid, scenario.name());
                }
            }
            for (String sql : scenario.teardown()) {
                statement.execute(sql);
            }
        }
        Files.writeString(file, render(scenario, slotOptions, walsenderSettings, serverVersion, messages),
                StandardCharsets.UTF_8);
        return messages.size();
    }

    /** Runs the transactions and returns the id of the last one, whose end ends the capture. */
    private static long runWorkload(Connection connection, List<Transaction> transactions) throws SQLException {
        long lastXid = 0;
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            for (Transaction transaction : transactions) {
                for (String sql : transaction.statements()) {
                    statement.execute(sql);
                }
                // The xid is the low 32 bits of the 64-bit id; pgoutput sends those.
                lastXid = Long.parseLong(queryString(statement, "SELECT pg_current_xact_id()::text")) & 0xFFFFFFFFL;
                if (transaction.rollBack()) {
                    connection.rollback();
                } else {
                    connection.commit();
                }
            }
        } finally {
            connection.setAutoCommit(true);
        }
        return lastXid;
    }

    /**
     * Reads messages until the transaction {@code lastXid} has committed or aborted. Only the
     * type byte and transaction ids are looked at, at fixed offsets, so that the capture does not
     * depend on the decoder it produces fixtures for.
     */
    private static List<byte[]> readUntilTransactionEnds(PGReplicationStream stream, long lastXid, String scenario)
            throws SQLException, InterruptedException {
        List<byte[]> messages = new ArrayList<>();
        boolean inLastTransaction = false;
        long deadline = System.currentTimeMillis() + SCENARIO_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            ByteBuffer buffer = stream.readPending();
            if (buffer == null) {
                Thread.sleep(10);
                continue;
            }
            byte[] message = new byte[buffer.remaining()];
            buffer.get(message);
            messages.add(message);
            ByteBuffer view = ByteBuffer.wrap(message);
            switch (message[0]) {
                case 'B' -> inLastTransaction = Integer.toUnsignedLong(view.getInt(17)) == lastXid;
                case 'C' -> {
                    if (inLastTransaction) {
                        return messages;
                    }
                }
                case 'c' -> {
                    if (Integer.toUnsignedLong(view.getInt(1)) == lastXid) {
                        return messages;
                    }
                }
                case 'A' -> {
                    if (Integer.toUnsignedLong(view.getInt(1)) == lastXid
                            && Integer.toUnsignedLong(view.getInt(5)) == lastXid) {
                        return messages;
                    }
                }
                default -> {
                    // Every other message is inside a transaction or stands alone; keep reading.
                }
            }
        }
        throw new IllegalStateException("Scenario " + scenario + ": transaction " + lastXid + " did not end within "
                + SCENARIO_TIMEOUT_MILLIS + " ms; " + messages.size() + " messages received");
    }

    private static String render(Scenario scenario, Map<String, String> slotOptions, String walsenderSettings,
            String serverVersion, List<byte[]> messages) {
        StringBuilder text = new StringBuilder();
        text.append("# pgoutput fixture \"").append(scenario.name()).append("\": ").append(scenario.summary()).append('\n');
        text.append("# Captured by ").append(PgOutputFixtureCapture.class.getName())
                .append(" (activities test sources) from\n");
        text.append("# ").append(serverVersion).append('\n');
        text.append("# through pgjdbc's replication API on a temporary slot with output plugin pgoutput.\n");
        text.append("# Slot options: ");
        List<String> options = new ArrayList<>();
        slotOptions.forEach((option, value) -> options.add(option + " '" + value + "'"));
        text.append(String.join(", ", options));
        text.append("\n# Walsender session settings: ").append(walsenderSettings).append('\n');
        text.append("# Schema: see PgOutputFixtureCapture.SCHEMA.\n");
        if (!scenario.setup().isEmpty()) {
            text.append("# Setup, before the slot existed:\n");
            scenario.setup().forEach(sql -> appendSql(text, sql));
        }
        int number = 1;
        for (Transaction transaction : scenario.transactions()) {
            text.append("# Transaction ").append(number++).append(transaction.rollBack() ? ", rolled back" : "")
                    .append(":\n");
            transaction.statements().forEach(sql -> appendSql(text, sql));
        }
        text.append("# Each line below is one message: the XLogData payload in hex, from the message type byte.\n");
        HexFormat hex = HexFormat.of();
        for (byte[] message : messages) {
            text.append(hex.formatHex(message)).append('\n');
        }
        return text.toString();
    }

    private static void appendSql(StringBuilder text, String sql) {
        text.append("#   ").append(sql.strip().replaceAll("\\s*\n\\s*", " ")).append(";\n");
    }

    private static String queryString(Statement statement, String sql) throws SQLException {
        try (ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    private Connection connect(String database, Properties properties) throws SQLException {
        PGProperty.USER.set(properties, user);
        PGProperty.PASSWORD.set(properties, password);
        return DriverManager.getConnection(serverUrl + database, properties);
    }

    private Connection connectForReplication(String sessionSettings) throws SQLException {
        Properties properties = new Properties();
        PGProperty.REPLICATION.set(properties, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "9.4");
        // The walsender speaks only the simple query protocol.
        PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        PGProperty.OPTIONS.set(properties, sessionSettings.trim());
        return connect(DATABASE, properties);
    }
}
