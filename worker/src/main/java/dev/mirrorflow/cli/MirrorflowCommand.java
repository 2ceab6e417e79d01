package dev.mirrorflow.cli;

import dev.mirrorflow.connector.NameSuggestions;
import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.CatalogConflictException;
import dev.mirrorflow.cli.spec.SpecException;
import dev.mirrorflow.telemetry.TelemetryConfigurationException;
import dev.mirrorflow.catalog.CatalogUnavailableException;
import dev.mirrorflow.catalog.SecretDecryptionException;
import dev.mirrorflow.connector.ConnectorFailure;
import dev.mirrorflow.connector.InvalidPeerException;
import dev.mirrorflow.connector.UnknownPeerException;
import dev.mirrorflow.worker.BuildInfo;
import dev.mirrorflow.worker.EnvironmentVariables;
import dev.mirrorflow.worker.SecretKeyException;
import dev.mirrorflow.worker.TemporalSettingsException;
import dev.mirrorflow.worker.TemporalUnavailableException;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The `mirrorflow` program. Without a subcommand it prints its usage. */
@Command(name = "mirrorflow",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = MirrorflowCommand.USAGE,
        exitCodeOnExecutionException = MirrorflowCommand.FAILURE,
        versionProvider = MirrorflowCommand.Version.class,
        description = "Keeps destination tables continuously in sync with source databases (change data capture).")
// Its subcommands are in CommandTree, which builds only the branch a command line names.
public final class MirrorflowCommand implements Runnable {

    /** Exit codes: 0 ok, 1 failure, 2 usage error. */
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    private final Function<String, String> environment;
    private final CatalogPrefetch catalogPrefetch;

    private MirrorflowCommand(Function<String, String> environment, CatalogPrefetch catalogPrefetch) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.catalogPrefetch = Objects.requireNonNull(catalogPrefetch, "catalogPrefetch");
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        preferP256KeyShares(System.getProperties());
        Function<String, String> environment = System::getenv;
        EnvironmentDefaults defaults = new EnvironmentDefaults(environment);
        // Before logging's start, which the login does not need, so that the two run side by side.
        CatalogPrefetch prefetch = CatalogPrefetch.start(args, defaults);
        // Logging starts before any thread that may log runs: a connection pool's or a gRPC
        // thread's first log call during logging's start would otherwise be held and replayed,
        // with three lines of SLF4J warnings on stderr about it. A command that starts no other
        // thread leaves logging to start when something first logs, if anything does: starting
        // it is a good tenth of such a command's time.
        if (startsLoggingInBackground(args)) {
            LoggingStart.inBackground(SourceLag::warmUp);
        } else if (!runsOnOneThread(args)) {
            org.slf4j.LoggerFactory.getILoggerFactory();
        }
        int exitCode = run(args, environment, defaults, prefetch);
        if (ArchiveWarmUp.requested()) {
            ArchiveWarmUp.loadCommonClasses();
        }
        System.exit(exitCode);
    }

    /** {@value #NAMED_GROUPS_PROPERTY}: the key-exchange groups TLS offers, in order. */
    static final String NAMED_GROUPS_PROPERTY = "jdk.tls.namedGroups";

    /**
     * JDK 17's default groups, with secp256r1 moved from second to first: what PostgreSQL servers
     * use by default ({@code ssl_ecdh_curve = prime256v1}).
     */
    static final String P256_FIRST = "secp256r1,x25519,secp384r1,secp521r1,x448,ffdhe2048,ffdhe3072,ffdhe4096,"
            + "ffdhe6144,ffdhe8192";

    /**
     * Offers secp256r1 first in every TLS handshake, unless the user set the groups: JDK 17 sends key
     * shares for its first two groups, x25519 and secp256r1, and computing both in a JVM that has
     * just started (the CLI's) cost each TLS login ~0.1 s of CPU, while a PostgreSQL server takes
     * secp256r1 anyway. With it first, one key share is sent. A server that wants another group
     * still gets it (one more round trip).
     */
    static void preferP256KeyShares(java.util.Properties system) {
        if (system.getProperty(NAMED_GROUPS_PROPERTY) == null) {
            system.setProperty(NAMED_GROUPS_PROPERTY, P256_FIRST);
        }
    }

    /**
     * mirror status (but --watch, which uses a pool) logs nothing on its main thread, and its one
     * other thread that may log, the one asking the source, waits for logging (see {@link LoggingStart}).
     */
    static boolean startsLoggingInBackground(String[] args) {
        return args.length >= 2 && args[0].equals("mirror") && args[1].equals("status")
                && !java.util.Arrays.asList(args).contains("--watch");
    }

    /** mirror list and peer list read the catalog over one connection and start no thread. */
    static boolean runsOnOneThread(String[] args) {
        if (args.length < 2) {
            return false;
        }
        String command = args[0] + " " + args[1];
        return command.equals("mirror list") || command.equals("peer list");
    }

    /** Runs the CLI with the given environment; the exit code is returned, not used. */
    public static int run(String[] args, Function<String, String> environment) {
        EnvironmentDefaults defaults = new EnvironmentDefaults(environment);
        return run(args, environment, defaults, CatalogPrefetch.start(args, defaults));
    }

    private static int run(String[] args, Function<String, String> environment, EnvironmentDefaults defaults,
            CatalogPrefetch prefetch) {
        try {
            return commandLine(environment, defaults, prefetch, args).execute(args);
        } finally {
            prefetch.discard();
        }
    }

    /**
     * Every environment variable the program reads: {@code MIRRORFLOW_<OPTION>} of each long option
     * of each command, the variables that are no option, and the OpenTelemetry SDK's {@code OTEL_*}
     * settings. The deployment files are checked against this list.
     */
    public static SortedSet<String> environmentVariables() {
        SortedSet<String> names = new TreeSet<>(EnvironmentDefaults.optionVariables(commandLine(name -> null)));
        names.addAll(EnvironmentVariables.NOT_OPTIONS);
        names.addAll(EnvironmentVariables.OPENTELEMETRY);
        return names;
    }

    /** The whole command tree, as help and the tests see it. */
    public static CommandLine commandLine(Function<String, String> environment) {
        return commandLine(environment, null);
    }

    /**
     * The command tree for these arguments: only the branch they name when they name one exactly
     * (see {@link CommandTree}), the whole tree when {@code args} is null.
     */
    static CommandLine commandLine(Function<String, String> environment, String[] args) {
        return commandLine(environment, new EnvironmentDefaults(environment), CatalogPrefetch.none(), args);
    }

    private static CommandLine commandLine(Function<String, String> environment, EnvironmentDefaults defaults,
            CatalogPrefetch prefetch, String[] args) {
        CommandLine cl = new CommandLine(new MirrorflowCommand(environment, prefetch));
        CommandTree.addSubcommands(cl, args);
        // Set after the tree is built: picocli applies these to the subcommands present when called.
        cl.setDefaultValueProvider(defaults);
        cl.setExecutionExceptionHandler(MirrorflowCommand::handle);
        cl.setParameterExceptionHandler(MirrorflowCommand::usageError);
        cl.setExecutionStrategy(MirrorflowCommand::executeKnownCommand);
        return cl;
    }

    /**
     * Picocli skips its check for unmatched arguments when {@code --help} is among them, so
     * {@code mirrorflow nosuch --help} would print the root usage and exit 0, and a script could not
     * tell a missing command from a present one: any unmatched argument is a usage error here.
     */
    private static int executeKnownCommand(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /**
     * A usage error is one line, as for any other error a user can fix: what is wrong and where
     * the command's usage is, not the whole usage after it.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String command = cl.getCommandSpec().qualifiedName();
        String problem = e.getMessage() == null ? "invalid arguments" : e.getMessage().lines().findFirst().orElse("");
        if (!problem.isEmpty() && Character.isUpperCase(problem.charAt(0))
                && (problem.length() == 1 || !Character.isUpperCase(problem.charAt(1)))) {
            problem = Character.toLowerCase(problem.charAt(0)) + problem.substring(1);
        }
        if (problem.endsWith(".")) {
            problem = problem.substring(0, problem.length() - 1);
        }
        // A word where a command with subcommands expects one of them is a command that does not exist.
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !cl.getSubcommands().isEmpty()
                && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")
                && cl.getCommandSpec().positionalParameters().isEmpty()) {
            problem = "unknown command '" + unmatched.getUnmatched().get(0) + "'";
        }
        StringBuilder line = new StringBuilder(command).append(": ").append(problem);
        // Picocli suggests loosely (ping for maintenance); only a near spelling is worth a hint.
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String written = unmatched.getUnmatched().get(0).replaceFirst("=.*", "");
            NameSuggestions.closest(written, unmatched.getSuggestions())
                    .ifPresent(meant -> line.append(" (did you mean ").append(meant).append("?)"));
        }
        line.append("; see ").append(command).append(" --help");
        cl.getErr().println(line);
        return USAGE;
    }

    /**
     * The environment the CLI was started with, for a subcommand that reads a variable that is no
     * option (such as MIRRORFLOW_SECRET_KEY, which must never be a flag).
     */
    static Function<String, String> environment(CommandSpec subcommand) {
        return ((MirrorflowCommand) subcommand.root().userObject()).environment;
    }

    /** The catalog login started before the command line was parsed (see {@link CatalogPrefetch}). */
    static CatalogPrefetch catalogPrefetch(CommandSpec subcommand) {
        return ((MirrorflowCommand) subcommand.root().userObject()).catalogPrefetch;
    }

    /**
     * The one place where failures become exit codes: what a user can fix is one line on
     * stderr; anything else is one line too, with the detail in the log.
     */
    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        // A peer definition or a spec is checked before anything is opened: a usage error like
        // picocli's own.
        if (e instanceof InvalidPeerException || e instanceof SpecException) {
            err.println("mirrorflow: " + e.getMessage());
            return USAGE;
        }
        // Each of these carries one line, free of secrets, that says what is wrong and what to do.
        if (e instanceof UserError || e instanceof CatalogUnavailableException
                || e instanceof CatalogConflictException || e instanceof TemporalUnavailableException
                || e instanceof TemporalSettingsException
                || e instanceof UnknownPeerException || e instanceof ConnectorFailure
                || e instanceof SecretKeyException || e instanceof SecretDecryptionException
                || e instanceof TelemetryConfigurationException || e instanceof MirrorSpecJson.UnreadableSpecException) {
            err.println("mirrorflow: " + e.getMessage());
            return FAILURE;
        }
        LoggingStart.await();
        org.slf4j.LoggerFactory.getLogger(MirrorflowCommand.class).debug("command failed", e);
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        err.println("mirrorflow: " + m + " (" + e.getClass().getSimpleName() + "; run with MIRRORFLOW_LOG_LEVEL=debug for details)");
        return FAILURE;
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mirrorflow " + BuildInfo.version()};
        }
    }
}
