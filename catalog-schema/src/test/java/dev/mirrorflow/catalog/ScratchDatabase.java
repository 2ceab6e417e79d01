package dev.mirrorflow.catalog;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A throw-away database on the dev-env PostgreSQL (scripts/dev-env.sh), created for one test
 * class or one codegen run and dropped afterwards.
 */
public final class ScratchDatabase implements AutoCloseable {

    public static final String SERVER_URL =
            System.getProperty("mirrorflow.it.pg.url", "jdbc:postgresql://127.0.0.1:55432/");
    public static final String USER = System.getProperty("mirrorflow.it.pg.user", "mirrorflow");
    public static final String PASSWORD = System.getProperty("mirrorflow.it.pg.password", "mirrorflow");

    private final String name;

    private ScratchDatabase(String name) {
        this.name = name;
    }

    public static ScratchDatabase create(String prefix) {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(SERVER_URL + "postgres", USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a scratch database on " + SERVER_URL
                    + " (is the dev environment up? scripts/dev-env.sh up): " + e.getMessage(), e);
        }
        return new ScratchDatabase(name);
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return SERVER_URL + name;
    }

    public CatalogConfig catalogConfig() {
        return new CatalogConfig(jdbcUrl(), USER, PASSWORD);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(SERVER_URL + "postgres", USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop scratch database " + name + ": " + e.getMessage(), e);
        }
    }
}
