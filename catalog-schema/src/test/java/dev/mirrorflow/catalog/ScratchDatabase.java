package dev.mirrorflow.catalog;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A throw-away database on the dev-env PostgreSQL (scripts/dev-env.sh), created for one test
 * class or one codegen run and dropped afterwards, together with every replication slot in it.
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
        String name = prefix + "_" + randomSuffix();
        try (Connection c = DriverManager.getConnection(SERVER_URL + "postgres", USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a scratch database on " + SERVER_URL
                    + " (is the dev environment up? scripts/dev-env.sh up): " + e.getMessage(), e);
        }
        return new ScratchDatabase(name);
    }

    public static String randomSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
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

    public void execute(String... statements) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Names of the replication slots that live in this database. */
    public List<String> slots() throws SQLException {
        return slotsOf(name);
    }

    public static List<String> slotsOf(String database) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(SERVER_URL + "postgres", USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT slot_name FROM pg_replication_slots WHERE database = '"
                        + database + "' ORDER BY slot_name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** Ends the sessions streaming from this database's slots and drops the slots. */
    public void dropSlots() throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER_URL + "postgres", USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                    + " WHERE database = '" + name + "' AND active_pid IS NOT NULL");
            // A terminated walsender lets go of its slot a moment later.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                            + " WHERE database = '" + name + "'");
                    return;
                } catch (SQLException e) {
                    if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(SERVER_URL + "postgres", USER, PASSWORD);
                Statement s = c.createStatement()) {
            // A database that still has replication slots cannot be dropped.
            dropSlots();
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop scratch database " + name + ": " + e.getMessage(), e);
        }
    }
}
