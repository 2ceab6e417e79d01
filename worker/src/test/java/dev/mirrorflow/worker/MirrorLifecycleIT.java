package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.cli.MirrorflowCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A PostgreSQL to PostgreSQL mirror driven through the CLI, on the real Temporal dev server and
 * real PostgreSQL, with a worker in this JVM.
 */
class MirrorLifecycleIT {

    private static final String TEMPORAL = System.getProperty("mirrorflow.it.temporal.address", "127.0.0.1:7233");
    private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

    @TempDir
    static Path state;

    private static ScratchDatabase catalogDb;
    private static ScratchDatabase source;
    private static ScratchDatabase destination;
    private static String role;
    private static String queue;
    private static WorkerRuntime worker;

    @BeforeAll
    static void environment() throws Exception {
        catalogDb = ScratchDatabase.create("mirrorflow_e2e_catalog");
        source = ScratchDatabase.create("mirrorflow_e2e_src");
        destination = ScratchDatabase.create("mirrorflow_e2e_dst");
        // The peers use a role of their own, so that its password can be looked for later.
        role = "mf_e2e_" + ScratchDatabase.randomSuffix();
        source.execute("CREATE ROLE " + role + " LOGIN REPLICATION SUPERUSER PASSWORD '" + PASSWORD + "'");
        source.execute("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text)");
        Files.writeString(state.resolve("password"), PASSWORD + "\n");
        queue = "e2e-" + UUID.randomUUID();
        worker = WorkerRuntime.start(catalogDb.catalogConfig(),
                new TemporalConnection.Settings(TEMPORAL, "default", queue), state);
    }

    @AfterAll
    static void teardown() throws Exception {
        if (worker != null) {
            worker.close();
        }
        source.close();
        destination.close();
        catalogDb.close();
        try (Connection c = ScratchDatabase.create("mirrorflow_e2e_cleanup").connect(); Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS " + role);
        } catch (SQLException ignored) {
            // Best effort: the role owns nothing.
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--catalog-url", catalogDb.jdbcUrl()));
        if (!args[0].equals("peer")) {
            all.addAll(List.of("--temporal-address", TEMPORAL, "--task-queue", queue));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MirrorflowCommand.commandLine(Map.of("MIRRORFLOW_STATE_DIR", state.toString())::get);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    private static Run ok(String... args) {
        Run run = cli(args);
        assertThat(run.exit()).as("%s\nout: %s\nerr: %s", String.join(" ", args), run.out(), run.err()).isZero();
        return run;
    }

    private static String url(ScratchDatabase db) {
        return "postgres://" + role + "@127.0.0.1:" + db.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1") + "/" + db.name();
    }

    @Test
    void shouldMirrorChangesPauseResumeAndDropWithHistoryKeptInTheCatalog() throws Exception {
        String name = "e2e_" + ScratchDatabase.randomSuffix();
        ok("peer", "create", name + "_src", "--type", "postgres", "--url", url(source),
                "--password-file", state.resolve("password").toString());
        ok("peer", "create", name + "_dst", "--type", "postgres", "--url", url(destination),
                "--password-file", state.resolve("password").toString());
        Path spec = state.resolve(name + ".yaml");
        Files.writeString(spec, """
                name: %s
                source: %s_src
                destination: %s_dst
                tables:
                  - source: public.orders
                initialLoad: false
                batchSize: 100
                idleTimeout: 200ms
                """.formatted(name, name, name));
        ok("mirror", "create", "-f", spec.toString());
        awaitPhase(name, MirrorPhase.RUNNING);

        source.execute("INSERT INTO orders SELECT g, g, 'n' || g FROM generate_series(1, 500) g",
                "UPDATE orders SET qty = qty * 2 WHERE id % 2 = 0",
                "DELETE FROM orders WHERE id % 5 = 0");
        ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(destination)).isEqualTo(checksum(source));

        ok("mirror", "pause", name, "--reason", "e2e pause");
        awaitPhase(name, MirrorPhase.PAUSED);
        source.execute("INSERT INTO orders VALUES (1000, 1, 'while paused')");
        Thread.sleep(1000);
        assertThat(count(destination, "SELECT count(*) FROM orders WHERE id = 1000")).as("paused").isZero();
        ok("mirror", "resume", name);
        ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(destination)).isEqualTo(checksum(source));

        // No secret in what Temporal keeps.
        String history = temporal("workflow", "show", "--workflow-id", "mirror/" + name, "--output", "json");
        assertThat(history).contains(name).doesNotContain(PASSWORD);

        ok("mirror", "drop", name, "--timeout", "60s");
        assertThat(count(source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_" + name + "'"))
                .isZero();
        assertThat(count(source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();

        temporal("workflow", "delete", "--workflow-id", "mirror/" + name, "--yes");
        Run history2 = ok("mirror", "history", name);
        assertThat(history2.out()).contains("PAUSED").contains("e2e pause").contains("outcome: TERMINATED");
        Run status = ok("mirror", "status", name);
        assertThat(status.out()).contains("dropped").contains("TERMINATED");
    }

    @Test
    void shouldLoadThreeTablesWhileTheyAreWrittenPauseInTheLoadAndEndEqual() throws Exception {
        String name = "load_" + ScratchDatabase.randomSuffix();
        for (String t : List.of("a", "b", "c")) {
            source.execute("CREATE TABLE " + name + "_" + t + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                    "INSERT INTO " + name + "_" + t + " SELECT g, g, md5(g::text) FROM generate_series(1, 20000) g");
        }
        ok("peer", "create", name + "_src", "--type", "postgres", "--url", url(source),
                "--password-file", state.resolve("password").toString());
        ok("peer", "create", name + "_dst", "--type", "postgres", "--url", url(destination),
                "--password-file", state.resolve("password").toString());
        Path spec = state.resolve(name + ".yaml");
        Files.writeString(spec, """
                name: %1$s
                source: %1$s_src
                destination: %1$s_dst
                tables:
                  - source: public.%1$s_a
                  - source: public.%1$s_b
                  - source: public.%1$s_c
                batchSize: 500
                idleTimeout: 200ms
                snapshot:
                  rowsPerPartition: 1000
                  parallelism: 2
                """.formatted(name));

        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (Connection c = source.connect(); Statement st = c.createStatement()) {
                for (int i = 0; writing.get(); i++) {
                    String t = name + "_" + "abc".charAt(i % 3);
                    st.execute("INSERT INTO " + t + " VALUES (" + (100_000 + i) + ", " + i + ", 'new')");
                    st.execute("UPDATE " + t + " SET v = v + 1 WHERE id = " + (1 + (i * 7919) % 20000));
                    st.execute("DELETE FROM " + t + " WHERE id = " + (1 + (i * 104729) % 20000));
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        ok("mirror", "create", "-f", spec.toString());
        awaitPhase(name, MirrorPhase.SNAPSHOT);
        ok("mirror", "pause", name, "--reason", "pause in the load");
        awaitPhase(name, MirrorPhase.PAUSED);
        String paused = ok("mirror", "status", name).out();
        ok("mirror", "resume", name);
        awaitPhase(name, MirrorPhase.RUNNING);
        Thread.sleep(2000);
        writing.set(false);
        writer.join();
        ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");

        for (String t : List.of("a", "b", "c")) {
            String table = name + "_" + t;
            assertThat(checksum(destination, table)).as(table).isEqualTo(checksum(source, table));
        }
        assertThat(paused).contains("PAUSED").contains("partitions");
        ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        assertThat(count(destination, "SELECT count(*) FROM pg_tables WHERE tablename LIKE '" + name + "%'")).isZero();
    }

    private static void awaitPhase(String name, MirrorPhase phase) throws Exception {
        await(name + " " + phase, () -> {
            try (Catalog catalog = Catalog.open(catalogDb.catalogConfig())) {
                return catalog.mirrors().findLatest(name).map(m -> m.phase() == phase).orElse(false);
            }
        });
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    static String temporal(String... args) throws Exception {
        Path cli = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent().resolve(".dev/venv/bin/temporal");
        List<String> command = new ArrayList<>(List.of(Files.isExecutable(cli) ? cli.toString() : "temporal"));
        command.addAll(List.of(args));
        command.addAll(List.of("--address", TEMPORAL));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("temporal %s: %s", String.join(" ", args), out).isZero();
        return out;
    }

    private static long count(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String checksum(ScratchDatabase db) throws SQLException {
        return checksum(db, "orders");
    }

    private static String checksum(ScratchDatabase db, String table) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) || ':' || coalesce(md5(string_agg(o::text, ',' ORDER BY id)), '') FROM " + table + " o")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
