package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.worker.EnvironmentVariables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the catalog is: for commands that only read or write the catalog (the peer commands), and
 * part of {@link ConnectionOptions} for those that talk to Temporal too. Defaults point at the dev
 * environment of scripts/dev-env.sh.
 */
public final class CatalogOptions {

    @Option(names = "--catalog-url", paramLabel = "JDBC_URL",
            defaultValue = DEFAULT_URL,
            description = "Catalog database (env MIRRORFLOW_CATALOG_URL). Default: ${DEFAULT-VALUE}")
    String catalogUrl;

    @Option(names = "--catalog-user", paramLabel = "USER", defaultValue = DEFAULT_USER,
            description = "Catalog user (env MIRRORFLOW_CATALOG_USER). Default: ${DEFAULT-VALUE}")
    String catalogUser;

    @Option(names = "--catalog-password-file", paramLabel = "FILE",
            description = "File holding the catalog password (env MIRRORFLOW_CATALOG_PASSWORD_FILE); "
                    + "else env MIRRORFLOW_CATALOG_PASSWORD; else the dev environment's.")
    Path catalogPasswordFile;

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:55432/mirrorflow";
    static final String DEFAULT_USER = "mirrorflow";

    /**
     * The options a command line without any {@code --catalog-*} flag gets: from the environment,
     * else the configuration file, else the defaults (as picocli fills them in through {@code
     * defaults}).
     *
     * @throws IOException when the configuration file cannot be read
     */
    static CatalogOptions withoutFlags(EnvironmentDefaults defaults) throws IOException {
        CatalogOptions options = new CatalogOptions();
        String url = defaults.value("catalog-url");
        String user = defaults.value("catalog-user");
        String passwordFile = defaults.value("catalog-password-file");
        options.catalogUrl = url != null ? url : DEFAULT_URL;
        options.catalogUser = user != null ? user : DEFAULT_USER;
        options.catalogPasswordFile = passwordFile != null ? Path.of(passwordFile) : null;
        return options;
    }

    /** The dev environment's catalog password, used when none is configured. */
    static final String DEV_PASSWORD = "mirrorflow";

    public CatalogConfig catalogConfig() {
        return new CatalogConfig(catalogUrl, catalogUser, catalogPassword());
    }

    private String catalogPassword() {
        if (catalogPasswordFile != null) {
            String password;
            try {
                password = Files.readString(catalogPasswordFile).strip();
            } catch (IOException e) {
                throw new UserError("cannot read the catalog password file " + catalogPasswordFile
                        + " (" + e.getClass().getSimpleName() + "); fix --catalog-password-file ("
                        + PASSWORD_FILE_ENV + ") or make the file readable by this user");
            }
            // An empty file is a secret that was never written (a container secret left blank);
            // logging in without a password would only fail later with a less useful message.
            if (password.isEmpty()) {
                throw new UserError("the catalog password file " + catalogPasswordFile + " is empty; write the"
                        + " catalog user's password into it, or fix --catalog-password-file (" + PASSWORD_FILE_ENV + ")");
            }
            return password;
        }
        String env = System.getenv(EnvironmentVariables.CATALOG_PASSWORD);
        return env != null ? env : DEV_PASSWORD;
    }

    private static final String PASSWORD_FILE_ENV = EnvironmentDefaults.environmentName("--catalog-password-file");
}
