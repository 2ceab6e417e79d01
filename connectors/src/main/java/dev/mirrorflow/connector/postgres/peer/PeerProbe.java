package dev.mirrorflow.connector.postgres.peer;

import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * Connects to a PostgreSQL peer for a person waiting at a prompt ({@code mirrorflow peer create}
 * and {@code peer check}): with timeouts, so an unreachable host fails within seconds rather than
 * hanging, and with failures worded by {@link SourceFailureClassifier} for a command rather than a
 * mirror.
 */
public final class PeerProbe {

    /** Seconds; the peer's own settings win when it has them. */
    static final String CONNECT_TIMEOUT = "10";
    static final String LOGIN_TIMEOUT = "20";
    static final String SOCKET_TIMEOUT = "30";

    /**
     * What {@code peer check} reports about the server and the peer's user.
     *
     * @param version the server version, e.g. {@code 16.4}
     * @param walLevel {@code logical} is needed for a source; a destination does not care
     * @param replication whether the user has the REPLICATION attribute (needed for a source)
     * @param superuser whether the user is a superuser, which implies replication
     */
    public record ServerInfo(String version, String walLevel, boolean replication, boolean superuser) {

        /** Whether the user may stream changes, as a source peer's user must. */
        public boolean mayReplicate() {
            return replication || superuser;
        }
    }

    private PeerProbe() {}

    /**
     * Connects and runs {@code SELECT 1}.
     *
     * @throws SourceException with the classifier's one line when that fails
     */
    public static void ping(String peerName, PostgresPeer peer) {
        SourceOperation op = SourceOperation.onPeer("checking that it is reachable", peer, peerName);
        try (Connection c = withTimeouts(peer).connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Connects and reads the server version, {@code wal_level}, and the user's role attributes.
     *
     * @throws SourceException with the classifier's one line when that fails
     */
    public static ServerInfo describe(String peerName, PostgresPeer peer) {
        SourceOperation op = SourceOperation.onPeer("checking the peer", peer, peerName);
        String sql = "SELECT current_setting('server_version'), current_setting('wal_level'),"
                + " r.rolreplication, r.rolsuper FROM pg_roles r WHERE r.rolname = current_user";
        try (Connection c = withTimeouts(peer).connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("pg_roles has no row for the current user");
            }
            return new ServerInfo(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4));
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    private static PostgresPeer withTimeouts(PostgresPeer peer) {
        Map<String, String> properties = new HashMap<>();
        properties.put("connectTimeout", CONNECT_TIMEOUT);
        properties.put("loginTimeout", LOGIN_TIMEOUT);
        properties.put("socketTimeout", SOCKET_TIMEOUT);
        properties.putAll(peer.properties());
        return new PostgresPeer(peer.host(), peer.port(), peer.database(), peer.user(), peer.password(), properties);
    }
}
