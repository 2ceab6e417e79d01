package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
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
import picocli.CommandLine;

/**
 * What an end-to-end test of mirrors needs: a catalog, a source and a destination database on
 * the dev environment, a role with a known password for the peers, a private task queue on the
 * real Temporal dev server, a state directory, and the CLI as a user runs it.
 */
final class MirrorTestBed implements AutoCloseable {

    static final String TEMPORAL = System.getProperty("mirrorflow.it.temporal.address", "127.0.0.1:7233");

    /**
     * The Temporal namespace of this test JVM. The integration tests run in parallel JVMs on one
     * Temporal server; a namespace each keeps their workflow ids (a mirror's name, the maintenance
     * window) apart. Private servers ({@link PrivateTemporal}) create it too.
     */
    static final String NAMESPACE = System.getProperty("mirrorflow.it.temporal.namespace", "default");

    final Path state;
    final ScratchDatabase catalogDb;
    final ScratchDatabase source;
    final ScratchDatabase destination;
    final String role;
    final String password = "s3cret-" + UUID.randomUUID();
    final String queue = "e2e-" + UUID.randomUUID();

    /** A worker in this JVM on the bed's task queue, when the bed was made {@link #withWorker}. */
    private WorkerRuntime worker;

    /** The Temporal server the CLI and the worker use: the dev environment's unless a test has its own. */
    final String temporalAddress;

    /** The databases, role and task queue of one test class, and a worker in this JVM polling it. */
    static MirrorTestBed withWorker(Path state) throws Exception {
        return withWorker(state, TEMPORAL);
    }

    /** As {@link #withWorker(Path)}, on the Temporal server at {@code temporalAddress}. */
    static MirrorTestBed withWorker(Path state, String temporalAddress) throws Exception {
        MirrorTestBed bed = new MirrorTestBed(state, temporalAddress);
        try {
            bed.worker = WorkerRuntime.start(bed.catalogDb.catalogConfig(),
                    new TemporalConnection.Settings(temporalAddress, NAMESPACE, bed.queue), state);
        } catch (Exception | Error e) {
            bed.close();
            throw e;
        }
        return bed;
    }

    MirrorTestBed(Path state) throws Exception {
        this(state, TEMPORAL);
    }

    MirrorTestBed(Path state, String temporalAddress) throws Exception {
        this.state = state;
        this.temporalAddress = temporalAddress;
        catalogDb = ScratchDatabase.create("mirrorflow_e2e_catalog");
        source = ScratchDatabase.create("mirrorflow_e2e_src");
        destination = ScratchDatabase.create("mirrorflow_e2e_dst");
        role = "mf_e2e_" + ScratchDatabase.randomSuffix();
        source.execute("CREATE ROLE " + role + " LOGIN REPLICATION SUPERUSER PASSWORD '" + password + "'");
        Files.writeString(state.resolve("password"), password + "\n");
    }

    record Run(int exit, String out, String err) {}

    Run cli(String... args) {
        return cliWithTemporalAt(temporalAddress, args);
    }

    /** As {@link #cli}, with the Temporal frontend at {@code address} (e.g. one nothing listens on). */
    Run cliWithTemporalAt(String address, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--catalog-url", catalogDb.jdbcUrl()));
        if (!args[0].equals("peer")) {
            all.addAll(List.of("--temporal-address", address, "--task-queue", queue));
            if (!all.contains("--temporal-namespace")) {
                all.addAll(List.of("--temporal-namespace", NAMESPACE));
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MirrorflowCommand.commandLine(Map.of("MIRRORFLOW_STATE_DIR", state.toString())::get);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    Run ok(String... args) {
        Run run = cli(args);
        assertThat(run.exit()).as("%s\nout: %s\nerr: %s", String.join(" ", args), run.out(), run.err()).isZero();
        return run;
    }

    /**
     * {@code mirrorflow worker} in a process of its own on this bed's catalog, Temporal and task
     * queue, as a user starts it, its output appended to {@code worker.log} in the state directory;
     * for tests that kill workers.
     */
    Process startWorkerProcess() throws java.io.IOException {
        return startWorkerProcess(List.of());
    }

    /** As {@link #startWorkerProcess()}, its JVM started with {@code jvmOptions} (e.g. {@code -Xmx256m}). */
    Process startWorkerProcess(List<String> jvmOptions) throws java.io.IOException {
        return MirrorflowProcess.builder(jvmOptions, state, "worker",
                "--state-dir", state.toString(),
                "--catalog-url", catalogDb.jdbcUrl(),
                "--temporal-address", temporalAddress,
                "--task-queue", queue)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("worker.log").toFile()))
                .start();
    }

    /**
     * As {@link #startWorkerProcess()}, for tests running several workers at once: each has an
     * instance id of its own ({@link #workerInstanceId}; the state directory would give them all
     * the same one, and so the same Temporal identity) and logs to {@code worker-<label>.log};
     * {@code extra} are more options.
     */
    Process startWorkerProcess(String label, String... extra) throws java.io.IOException {
        List<String> arguments = new ArrayList<>(List.of("worker",
                "--state-dir", state.toString(),
                "--catalog-url", catalogDb.jdbcUrl(),
                "--temporal-address", temporalAddress,
                "--task-queue", queue));
        arguments.addAll(List.of(extra));
        ProcessBuilder builder = MirrorflowProcess.builder(state, arguments.toArray(String[]::new))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workerLog(label).toFile()));
        builder.environment().put("MIRRORFLOW_INSTANCE_ID", workerInstanceId(label).toString());
        return builder.start();
    }

    /** The instance id of the worker process started with {@code label}, the end of its identity. */
    UUID workerInstanceId(String label) {
        return UUID.nameUUIDFromBytes((queue + "/" + label).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The log of the worker process started with {@code label}. */
    Path workerLog(String label) {
        return state.resolve("worker-" + label + ".log");
    }

    /** Creates the peers {@code <prefix>_src} and {@code <prefix>_dst}. */
    void peers(String prefix) {
        ok("peer", "create", prefix + "_src", "--type", "postgres", "--url", url(source),
                "--password-file", state.resolve("password").toString());
        ok("peer", "create", prefix + "_dst", "--type", "postgres", "--url", url(destination),
                "--password-file", state.resolve("password").toString());
    }

    String url(ScratchDatabase db) {
        return "postgres://" + role + "@127.0.0.1:" + db.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1") + "/" + db.name();
    }

    Path spec(String name, String yaml) throws Exception {
        Path file = state.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /**
     * A spec for mirror {@code name} from its peers {@code <name>_src} to {@code <name>_dst} (see
     * {@link #peers}), with {@code rest} (its tables and settings) after those three keys.
     */
    Path mirrorSpec(String name, String rest) throws Exception {
        return spec(name, "name: " + name + "\nsource: " + name + "_src\ndestination: " + name + "_dst\n" + rest);
    }

    MirrorRow mirror(String name) {
        try (Catalog catalog = Catalog.open(catalogDb.catalogConfig())) {
            return catalog.mirrors().findLatest(name).orElseThrow();
        }
    }

    /**
     * The mirror's ERROR events, oldest first, without the notices that its slot creation waits for
     * running transactions: creating a slot waits for every transaction in the source cluster, and
     * the test classes running beside this one have some, so those notices come and go.
     */
    List<MirrorEvent> errors(String name) {
        try (Catalog catalog = Catalog.open(catalogDb.catalogConfig())) {
            return catalog.mirrors().history(mirror(name).id(), 1000).stream()
                    .filter(e -> e.kind() == MirrorEvent.Kind.ERROR)
                    .filter(e -> e.error() == null
                            || !e.error().contains("s for the transactions running at the source to end"))
                    .toList();
        }
    }

    void awaitPhase(String name, MirrorPhase phase, Duration timeout) throws InterruptedException {
        await(name + " " + phase, timeout, () -> mirror(name).phase() == phase);
    }


    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** The temporal CLI of the dev environment (or on the PATH). */
    static String temporalCli() {
        Path cli = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent().resolve(".dev/venv/bin/temporal");
        return Files.isExecutable(cli) ? cli.toString() : "temporal";
    }

    static String temporal(String... args) throws Exception {
        return temporalAt(TEMPORAL, args);
    }

    /** The temporal CLI against the server at {@code address}; fails the test unless it exits 0. */
    static String temporalAt(String address, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(temporalCli()));
        command.addAll(List.of(args));
        command.addAll(List.of("--address", address, "--namespace", NAMESPACE));
        // The output goes to a file, and the wait is bounded: a CLI that hangs fails the test.
        Path output = Files.createTempFile("temporal-cli", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // A developer's TEMPORAL_ADDRESS or TEMPORAL_NAMESPACE must not send it elsewhere.
        builder.environment().keySet().removeIf(variable -> variable.startsWith("TEMPORAL_"));
        Process p = builder.start();
        try {
            assertThat(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES))
                    .as("temporal %s finished within 2 minutes", String.join(" ", args)).isTrue();
            String out = Files.readString(output);
            assertThat(p.exitValue()).as("temporal %s: %s", String.join(" ", args), out).isZero();
            return out;
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    static long count(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Row count and an ordered checksum of a table, for comparing source and destination. */
    static String checksum(ScratchDatabase db, String table) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) || ':' || coalesce(md5(string_agg(o::text, ',' ORDER BY id)), '') FROM " + table + " o")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
        source.close();
        destination.close();
        catalogDb.close();
        try (ScratchDatabase any = ScratchDatabase.create("mirrorflow_e2e_cleanup"); Connection c = any.connect();
                Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS " + role);
        } catch (SQLException ignored) {
            // Best effort: the role owns nothing once its databases are gone.
        }
    }
}
