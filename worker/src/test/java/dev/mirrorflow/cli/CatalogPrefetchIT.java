package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.catalog.CatalogUnavailableException;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog login a short command starts before its arguments are parsed, against the real PostgreSQL. */
class CatalogPrefetchIT {

    private static ScratchDatabase catalogDb;

    @TempDir Path temp;

    private final Map<String, String> env = new HashMap<>();

    @BeforeAll
    static void catalog() {
        catalogDb = ScratchDatabase.create("mirrorflow_prefetch_it");
        // Migrated once, as any first command would.
        Catalog.open(catalogDb.catalogConfig()).close();
    }

    @AfterAll
    static void drop() {
        if (catalogDb != null) {
            catalogDb.close();
        }
    }

    @BeforeEach
    void environment() throws Exception {
        env.put("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl());
        env.put("MIRRORFLOW_CATALOG_USER", ScratchDatabase.USER);
        env.put("MIRRORFLOW_CATALOG_PASSWORD_FILE",
                Files.writeString(temp.resolve("catalog-password"), ScratchDatabase.PASSWORD + "\n").toString());
    }

    private CatalogPrefetch start(String... args) {
        return CatalogPrefetch.start(args, new EnvironmentDefaults(env::get));
    }

    @Test
    void shouldHandItsLoginOnceToTheCommandWithTheSameSettings() throws Exception {
        CatalogPrefetch prefetch = start("mirror", "list");

        Optional<Connection> taken = prefetch.take(catalogDb.catalogConfig());
        assertThat(taken).isPresent();
        try (Connection c = taken.get(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database(), current_setting('application_name')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(catalogDb.name());
            assertThat(rs.getString(2)).isEqualTo("mirrorflow-catalog");
        }
        assertThat(prefetch.take(catalogDb.catalogConfig())).as("taken already").isEmpty();
    }

    @Test
    void shouldGiveNothingToACommandWithOtherSettingsAndCloseItsLogin() throws Exception {
        env.put("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl() + "?ApplicationName=prefetch_it_other");
        CatalogPrefetch prefetch = start("peer", "list");

        assertThat(prefetch.take(catalogDb.catalogConfig())).isEmpty();
        awaitNoSessionsOf("prefetch_it_other");
    }

    @Test
    void shouldCloseALoginNoCommandTook() throws Exception {
        env.put("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl() + "?ApplicationName=prefetch_it_unused");
        // `mirror status` without its NAME is a usage error: the command never opens the catalog.
        assertThat(MirrorflowCommand.run(new String[] {"mirror", "status"}, env::get)).isEqualTo(MirrorflowCommand.USAGE);
        awaitNoSessionsOf("prefetch_it_unused");
    }

    @Test
    void shouldRunTheCommandOverItsLoginThroughTheEntryPoint() throws Exception {
        env.put("MIRRORFLOW_CATALOG_URL", catalogDb.jdbcUrl() + "?ApplicationName=prefetch_it_list");
        assertThat(MirrorflowCommand.run(new String[] {"mirror", "list"}, env::get)).isZero();
        assertThat(MirrorflowCommand.run(new String[] {"peer", "list", "--json"}, env::get)).isZero();
        awaitNoSessionsOf("prefetch_it_list");
    }

    @Test
    void shouldFailAsTheCommandWouldWhenItsLoginFailed() {
        String unreachable = "jdbc:postgresql://127.0.0.1:1/nothing";
        env.put("MIRRORFLOW_CATALOG_URL", unreachable);
        CatalogConfig config = new CatalogConfig(unreachable, ScratchDatabase.USER, ScratchDatabase.PASSWORD);
        CatalogPrefetch prefetch = start("mirror", "status", "orders");

        String itself = null;
        try {
            Catalog.openForOneCommand(config).close();
        } catch (CatalogUnavailableException e) {
            itself = e.getMessage();
        }
        assertThat(itself).startsWith("cannot connect to the catalog at");
        assertThatThrownBy(() -> prefetch.take(config)).isInstanceOf(CatalogUnavailableException.class)
                .hasMessage(itself);
    }

    @Test
    void shouldStartNothingWhenTheSettingsCannotBeRead() {
        // The command reads the same settings and says what is wrong with them.
        env.put("MIRRORFLOW_CATALOG_PASSWORD_FILE", temp.resolve("missing").toString());
        assertThat(start("mirror", "list").take(catalogDb.catalogConfig())).isEmpty();
        env.remove("MIRRORFLOW_CATALOG_PASSWORD_FILE");
        env.put("MIRRORFLOW_CONFIG", temp.resolve("missing.properties").toString());
        assertThat(start("mirror", "list").take(catalogDb.catalogConfig())).isEmpty();
    }

    @Test
    void shouldReadTheSettingsFromTheConfigurationFileAsTheCommandDoes() throws Exception {
        env.remove("MIRRORFLOW_CATALOG_URL");
        Path config = Files.writeString(temp.resolve("mirrorflow.properties"), "catalog-url=" + catalogDb.jdbcUrl() + "\n");
        env.put("MIRRORFLOW_CONFIG", config.toString());

        Optional<Connection> taken = start("mirror", "list").take(catalogDb.catalogConfig());
        assertThat(taken).isPresent();
        taken.get().close();
    }

    /** Waits until no session with this application name is left on the server. */
    private static void awaitNoSessionsOf(String applicationName) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        try (Connection c = catalogDb.connect();
                var s = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            s.setString(1, applicationName);
            while (true) {
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                assertThat(Instant.now()).as("sessions of %s left open", applicationName).isBefore(deadline);
                Thread.sleep(50);
            }
        }
    }
}
