package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class MirrorflowCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs a command line as the program does: on the part of the command tree it names. */
    private int run(Map<String, String> env, String... args) {
        CommandLine cl = MirrorflowCommand.commandLine(env::get, args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static String runOnTree(CommandLine cl, String... args) {
        StringWriter text = new StringWriter();
        cl.setOut(new PrintWriter(text, true));
        cl.setErr(new PrintWriter(text, true));
        int exit = cl.execute(args);
        return exit + "\n" + text;
    }

    @Test
    void shouldAnswerEveryCommandLineOnTheBranchItNamesAsOnTheWholeTree() {
        String[][] commandLines = {
            {}, {"--help"}, {"-V"}, {"help"}, {"help", "mirror"}, {"help", "mirror", "list"},
            {"mirror"}, {"mirror", "--help"}, {"mirror", "lst"}, {"mirror", "list", "--help"},
            {"mirror", "list", "--bogus"}, {"mirror", "status"}, {"mirror", "list", "extra"},
            {"peer", "drop"}, {"peer", "lsit"}, {"maintenance", "strat"}, {"nosuch"}, {"nosuch", "--help"},
            {"mirror", "create", "--heartbeat-timeout", "5s", "-f", "/no/such/spec.yaml"},
            {"ping", "--timeout", "soon"}, {"worker", "--help"},
        };
        for (String[] args : commandLines) {
            String whole = runOnTree(MirrorflowCommand.commandLine(Map.<String, String>of()::get), args);
            String branch = runOnTree(MirrorflowCommand.commandLine(Map.<String, String>of()::get, args), args);
            assertThat(branch).as(String.join(" ", args)).isEqualTo(whole);
        }
        // The branch is what it says: a named command line builds only its own commands.
        CommandLine branch = MirrorflowCommand.commandLine(Map.<String, String>of()::get,
                new String[] {"mirror", "list"});
        assertThat(branch.getSubcommands().keySet()).containsExactly("mirror");
        assertThat(branch.getSubcommands().get("mirror").getSubcommands().keySet()).containsExactly("list");
    }

    @Test
    void shouldPrintUsageListingTheCommandsAndExitZero() {
        assertThat(run(Map.of())).isZero();
        assertThat(out.toString()).contains("Usage: mirrorflow").contains("worker").contains("ping");
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(run(Map.of(), "worker", "--help")).isZero();
        assertThat(out.toString()).contains("--temporal-address").contains("MIRRORFLOW_TEMPORAL_ADDRESS");
    }

    @Test
    void shouldExitTwoOnAUsageError() {
        assertThat(run(Map.of(), "no-such-command")).isEqualTo(2);
        assertThat(run(Map.of(), "ping", "--timeout", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration");
    }

    @Test
    void shouldRefuseAHeartbeatTimeoutTooShortForTheActivitiesBeforeReadingAnything() {
        assertThat(run(Map.of(), "mirror", "create", "--heartbeat-timeout", "4s", "-f", "/no/such/spec.yaml"))
                .isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("mirrorflow mirror create: --heartbeat-timeout must be from 5s"
                + " to 10m (activities heartbeat every 1 to 3 s), not 4s; see mirrorflow mirror create --help");
    }

    @Test
    void shouldRefuseANegativeMirrorCapBeforeConnectingToAnything() {
        assertThat(run(Map.of(), "worker", "--max-mirrors", "-1")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("mirrorflow worker: --max-mirrors must be 0 (no limit) or more,"
                + " not -1; see mirrorflow worker --help");
    }

    @Test
    void shouldSayAUsageErrorInOneLinePointingAtHelpInsteadOfPrintingTheUsage() {
        assertThat(run(Map.of(), "mirror", "create")).isEqualTo(2);
        assertThat(run(Map.of(), "ping", "--timeout", "soon")).isEqualTo(2);
        assertThat(run(Map.of(), "mirror", "history")).isEqualTo(2);

        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines().toList()).containsExactly(
                "mirrorflow mirror create: missing required option: '--file=SPEC.yaml'; see mirrorflow mirror create --help",
                "mirrorflow ping: invalid value for option '--timeout': 'soon' is not a duration; write e.g. 500ms, 5s,"
                        + " 2m or 1h; see mirrorflow ping --help",
                "mirrorflow mirror history: missing required parameter: 'NAME'; see mirrorflow mirror history --help");
    }

    @Test
    void shouldRefuseNumbersACommandCannotUseAsUsageErrorsBeforeConnectingAnywhere() {
        Map<String, String> env = Map.of("MIRRORFLOW_CATALOG_URL", "jdbc:postgresql://127.0.0.1:1/none",
                "MIRRORFLOW_TEMPORAL_ADDRESS", "127.0.0.1:1");

        assertThat(run(env, "mirror", "history", "orders", "--limit", "-1")).isEqualTo(2);
        assertThat(run(env, "mirror", "wait", "orders", "--caught-up", "--timeout", "9999999999h")).isEqualTo(2);
        assertThat(run(env, "ping", "--timeout", "99999999999999999999s")).isEqualTo(2);

        assertThat(err.toString().lines().toList()).containsExactly(
                "mirrorflow mirror history: --limit must be a whole number from 1 up, not -1; see mirrorflow mirror"
                        + " history --help",
                "mirrorflow mirror wait: invalid value for option '--timeout': '9999999999h' is too long a duration;"
                        + " write e.g. 500ms, 5s, 2m or 1h; see mirrorflow mirror wait --help",
                "mirrorflow ping: invalid value for option '--timeout': '99999999999999999999s' is too long a duration;"
                        + " write e.g. 500ms, 5s, 2m or 1h; see mirrorflow ping --help");
    }

    @Test
    void shouldTreatAnUnknownCommandAsAUsageErrorAlsoWithHelp() {
        assertThat(run(Map.of(), "nosuch", "--help")).isEqualTo(2);
        assertThat(run(Map.of(), "upgrade", "start", "--help")).isEqualTo(2);
        assertThat(run(Map.of(), "mirror", "nosuch", "--help")).isEqualTo(2);
        assertThat(run(Map.of(), "nosuch")).isEqualTo(2);
        assertThat(run(Map.of(), "mirorr", "list")).isEqualTo(2);
        assertThat(run(Map.of(), "mirror", "history", "x", "--limt=5")).isEqualTo(2);

        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines().toList()).containsExactly(
                "mirrorflow: unknown command 'nosuch'; see mirrorflow --help",
                "mirrorflow: unknown command 'upgrade'; see mirrorflow --help",
                "mirrorflow mirror: unknown command 'nosuch'; see mirrorflow mirror --help",
                "mirrorflow: unknown command 'nosuch'; see mirrorflow --help",
                "mirrorflow: unknown command 'mirorr' (did you mean mirror?); see mirrorflow --help",
                "mirrorflow mirror history: unknown option: '--limt=5' (did you mean --limit?); see mirrorflow mirror"
                        + " history --help");
    }

    /**
     * Every command answers {@code --help} with its usage and exit 0 and nothing else: with the
     * catalog and Temporal pointed at closed ports, anything beyond printing would fail or write.
     */
    @Test
    void shouldOnlyPrintUsageForHelpOnEveryCommand(@TempDir Path dir) {
        Path stateDir = dir.resolve("state");
        Map<String, String> env = Map.of(
                "MIRRORFLOW_CATALOG_URL", "jdbc:postgresql://127.0.0.1:1/none",
                "MIRRORFLOW_TEMPORAL_ADDRESS", "127.0.0.1:1",
                "MIRRORFLOW_STATE_DIR", stateDir.toString());
        java.util.List<java.util.List<String>> commands = new java.util.ArrayList<>();
        collectCommands(MirrorflowCommand.commandLine(env::get), new java.util.ArrayList<>(), commands);
        assertThat(commands).hasSizeGreaterThan(15);

        for (java.util.List<String> command : commands) {
            StringWriter commandOut = new StringWriter();
            StringWriter commandErr = new StringWriter();
            CommandLine cl = MirrorflowCommand.commandLine(env::get);
            cl.setOut(new PrintWriter(commandOut, true));
            cl.setErr(new PrintWriter(commandErr, true));
            java.util.List<String> args = new java.util.ArrayList<>(command);
            args.add("--help");
            long started = System.nanoTime();

            int exit = cl.execute(args.toArray(String[]::new));

            String name = String.join(" ", command);
            assertThat(exit).as(name + " --help: " + commandErr).isZero();
            assertThat(commandErr.toString()).as(name + " --help").isEmpty();
            assertThat(commandOut.toString()).as(name + " --help")
                    .contains("Usage: mirrorflow" + (command.isEmpty() ? "" : " " + name));
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).as(name + " --help")
                    .isLessThan(java.time.Duration.ofSeconds(5));
        }
        assertThat(stateDir).doesNotExist();
    }

    private static void collectCommands(CommandLine cl, java.util.List<String> path,
            java.util.List<java.util.List<String>> into) {
        into.add(java.util.List.copyOf(path));
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            java.util.List<String> subPath = new java.util.ArrayList<>(path);
            subPath.add(sub.getKey());
            collectCommands(sub.getValue(), subPath, into);
        }
    }

    @Test
    void shouldSayInOneLineThatTemporalIsUnreachableAndExitOne() {
        assertThat(run(Map.of(), "ping", "--temporal-address", "127.0.0.1:1")).isEqualTo(1);
        assertThat(err.toString().strip())
                .startsWith("mirrorflow: cannot reach Temporal at 127.0.0.1:1")
                .contains("MIRRORFLOW_TEMPORAL_ADDRESS")
                .doesNotContain("\n");
    }

    @Test
    void shouldRefuseAnHttpPortOutOfRangeBeforeStartingTheWorker() {
        assertThat(run(Map.of("MIRRORFLOW_HTTP_PORT", "70000"), "worker", "--temporal-address", "127.0.0.1:1"))
                .isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo(
                "mirrorflow worker: --http-port must be from 0 to 65535, not 70000; see mirrorflow worker --help");
    }

    @Test
    void shouldTakeTheTemporalTlsSettingsFromTheEnvironmentAndRefuseACertificateWithoutItsKey() {
        assertThat(run(Map.of("MIRRORFLOW_TEMPORAL_TLS_CERT_PATH", "/nonexistent/client.pem"), "ping",
                "--temporal-address", "127.0.0.1:1")).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("mirrorflow: --temporal-tls-cert-path and --temporal-tls-key-path"
                + " go together (a client certificate and its private key, for mTLS); give both or neither");
    }

    @Test
    void shouldListThePeerCommands() {
        assertThat(run(Map.of(), "peer")).isZero();
        assertThat(out.toString()).contains("create", "list", "check", "drop");
        assertThat(run(Map.of(), "peer", "create", "--help")).isZero();
        assertThat(out.toString()).contains("--password-file", "--no-check").doesNotContain("--temporal-address");
    }

    @Test
    void shouldRefusePeerArgumentsWithExitTwoInOneLineBeforeConnectingAnywhere() {
        // The catalog address points nowhere, so reaching it would fail with exit 1 instead.
        Map<String, String> env = Map.of("MIRRORFLOW_CATALOG_URL", "jdbc:postgresql://127.0.0.1:1/none");

        assertThat(run(env, "peer", "create", "Bad Name", "--type", "postgres", "--url", "postgres://u@h/db"))
                .isEqualTo(2);
        assertThat(run(env, "peer", "create", "ok", "--type", "oracle", "--url", "postgres://u@h/db")).isEqualTo(2);
        assertThat(run(env, "peer", "create", "ok", "--type", "postgres", "--url", "postgres://u:hunter2@h/db"))
                .isEqualTo(2);
        assertThat(run(env, "peer", "check", "Bad")).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "mirrorflow: 'Bad Name' is not a valid peer name: use a lowercase letter, then up to 62 lowercase"
                        + " letters, digits or underscores (e.g. orders_src)",
                "mirrorflow: unknown peer type 'oracle'; supported types: postgres, mongodb",
                "mirrorflow: the peer URL contains a password; put the password in a file and pass --password-file",
                "mirrorflow: 'Bad' is not a valid peer name: use a lowercase letter, then up to 62 lowercase letters,"
                        + " digits or underscores (e.g. orders_src)");
    }

    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        ConnectionOptions connection;

        @Override
        public void run() {}
    }

    private static ConnectionOptions parse(Map<String, String> env, String... args) {
        Probe probe = new Probe();
        CommandLine cl = new CommandLine(probe);
        cl.setDefaultValueProvider(new EnvironmentDefaults(env::get));
        cl.parseArgs(args);
        return probe.connection;
    }

    @Test
    void shouldTakeAFlagOverTheEnvironmentOverTheFileOverTheDefault(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mirrorflow.properties");
        Files.writeString(file, "temporal-address=file:7233\ntemporal-namespace=from-file\ntask-queue=file-queue\n");
        Map<String, String> env = Map.of(
                "MIRRORFLOW_CONFIG", file.toString(),
                "MIRRORFLOW_TEMPORAL_ADDRESS", "env:7233",
                "MIRRORFLOW_TEMPORAL_NAMESPACE", "from-env");

        ConnectionOptions o = parse(env, "--temporal-address", "flag:7233");

        assertThat(o.temporalAddress).isEqualTo("flag:7233");
        assertThat(o.temporalNamespace).isEqualTo("from-env");
        assertThat(o.taskQueue).isEqualTo("file-queue");
        assertThat(o.catalog.catalogUrl).isEqualTo("jdbc:postgresql://127.0.0.1:55432/mirrorflow");
    }

    @Test
    void shouldRefuseAnUnreadableConfigurationFileInOneLine() {
        assertThat(run(Map.of("MIRRORFLOW_CONFIG", "/nonexistent/mirrorflow.properties"), "ping")).isEqualTo(2);
        assertThat(err.toString()).contains("the configuration file /nonexistent/mirrorflow.properties named by MIRRORFLOW_CONFIG cannot be read");
    }
}
