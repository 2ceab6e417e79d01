package dev.mirrorflow.connector.postgres;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A throw-away database on the dev-env PostgreSQL (scripts/dev-env.sh), created for one test class
 * and dropped afterwards together with every replication slot in it.
 */
final class ScratchDatabase implements AutoCloseable {

    static final String SERVER_URL =
            System.getProperty("mirrorflow.it.pg.url", "jdbc:postgresql://127.0.0.1:55432/");
    static final String USER = System.getProperty("mirrorflow.it.pg.user", "mirrorflow");
    static final String PASSWORD = System.getProperty("mirrorflow.it.pg.password", "mirrorflow");

    private final PostgresPeer peer;

    private ScratchDatabase(PostgresPeer peer) {
        this.peer = peer;
    }

    /** The dev-env server as the superuser, in database {@code database}. */
    static PostgresPeer serverPeer(String database) {
        URI uri = URI.create(SERVER_URL.substring("jdbc:".length()));
        return PostgresPeer.of(uri.getHost(), uri.getPort(), database, USER, PASSWORD);
    }

    static ScratchDatabase create(String prefix) {
        String name = prefix + "_" + randomSuffix();
        try (Connection c = serverPeer("postgres").connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a scratch database on " + SERVER_URL
                    + " (is the dev environment up? scripts/dev-env.sh up): " + e.getMessage(), e);
        }
        return new ScratchDatabase(serverPeer(name));
    }

    static String randomSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    String name() {
        return peer.database();
    }

    /** The superuser in this database. */
    PostgresPeer peer() {
        return peer;
    }

    Connection connect() throws SQLException {
        return peer.connect();
    }

    void execute(String... statements) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Names of the replication slots that live in this database. */
    List<String> slots() throws SQLException {
        return slotsOf(name());
    }

    static List<String> slotsOf(String database) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = serverPeer("postgres").connect();
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
    void dropSlots() throws SQLException, InterruptedException {
        try (Connection c = serverPeer("postgres").connect(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                    + " WHERE database = '" + name() + "' AND active_pid IS NOT NULL");
            // A terminated walsender lets go of its slot a moment later.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                            + " WHERE database = '" + name() + "'");
                    return;
                } catch (SQLException e) {
                    if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    @Override
    public void close() throws SQLException, InterruptedException {
        dropSlots();
        try (Connection c = serverPeer("postgres").connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name() + " WITH (FORCE)");
        }
    }
}
