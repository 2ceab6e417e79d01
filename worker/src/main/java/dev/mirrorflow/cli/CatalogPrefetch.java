package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CatalogConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Logs in to the catalog on a thread of its own while picocli builds and parses the command, for
 * the short commands that read the catalog over one connection (mirror list, mirror status, peer
 * list, mirror create): the first login of a JVM (the driver's start, SCRAM's key derivation) takes
 * about as long as picocli does, and a user waits for both one after the other otherwise.
 *
 * <p>It logs in with the settings a command line without {@code --catalog-*} flags gets (the
 * environment, the configuration file, the defaults). The command {@linkplain #take takes} the
 * connection only when its own parsed settings are the same; otherwise, or when reading the
 * settings fails, the command connects as it always did and reports what is wrong itself. A
 * connection no command took is closed when the command ends.
 */
final class CatalogPrefetch {

    /** The commands that open the catalog with {@link CatalogSession#openToRead}. */
    private static final Set<String> COMMANDS = Set.of("mirror list", "mirror status", "peer list", "mirror create");

    /** Arguments after which the command opens no catalog, or another way (a pool, for --watch). */
    private static final Set<String> NOT_PREFETCHED = Set.of("-h", "--help", "-V", "--version", "--watch");

    private static final CatalogPrefetch NONE = new CatalogPrefetch(null, null);

    private final CatalogConfig config;
    private final CompletableFuture<Connection> connection;
    private boolean taken;

    private CatalogPrefetch(CatalogConfig config, CompletableFuture<Connection> connection) {
        this.config = config;
        this.connection = connection;
    }

    /** A prefetch that has nothing: the command connects itself. */
    static CatalogPrefetch none() {
        return NONE;
    }

    /** Starts logging in when {@code args} name a command that {@linkplain #applies reads this way}. */
    static CatalogPrefetch start(String[] args, EnvironmentDefaults defaults) {
        if (!applies(args)) {
            return NONE;
        }
        CatalogConfig config;
        try {
            config = CatalogOptions.withoutFlags(defaults).catalogConfig();
        } catch (Exception e) {
            // The command reads the same settings and says what is wrong with them.
            return NONE;
        }
        CompletableFuture<Connection> connection = new CompletableFuture<>();
        Thread login = new Thread(() -> {
            try {
                connection.complete(Catalog.connectForOneCommand(config));
            } catch (Throwable e) {
                connection.completeExceptionally(e);
            }
        }, "mirrorflow-cli-catalog-login");
        login.setDaemon(true);
        login.start();
        return new CatalogPrefetch(config, connection);
    }

    /** Whether {@code args} name a command that reads the catalog over one connection, without a catalog flag. */
    static boolean applies(String[] args) {
        if (args.length < 2 || !COMMANDS.contains(args[0] + " " + args[1])) {
            return false;
        }
        for (String arg : List.of(args)) {
            if (arg.startsWith("--catalog") || NOT_PREFETCHED.contains(arg) || arg.equals("--")) {
                return false;
            }
        }
        return true;
    }

    /**
     * The connection logged in with {@code config}, waited for, once; empty when there is none for
     * these settings (the command connects itself).
     *
     * @throws dev.mirrorflow.catalog.CatalogUnavailableException when the login with these very
     *     settings failed: the command would fail the same way, only later
     */
    synchronized Optional<Connection> take(CatalogConfig config) {
        if (connection == null || taken) {
            return Optional.empty();
        }
        taken = true;
        if (!this.config.equals(config)) {
            connection.thenAccept(CatalogPrefetch::closeQuietly);
            return Optional.empty();
        }
        try {
            return Optional.of(connection.join());
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            return Optional.empty();
        }
    }

    /** Closes a connection no command took, once it is there (a login under way is left to end with the JVM). */
    synchronized void discard() {
        if (connection == null || taken) {
            return;
        }
        taken = true;
        connection.thenAccept(CatalogPrefetch::closeQuietly);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // Never used; the server ends the session either way.
        }
    }
}
