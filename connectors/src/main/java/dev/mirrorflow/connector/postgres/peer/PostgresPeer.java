package dev.mirrorflow.connector.postgres.peer;

import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import org.postgresql.PGProperty;

/**
 * A PostgreSQL database that mirrorflow reads from, and how to log in to it.
 *
 * <p>{@code properties} are extra pgjdbc connection properties such as {@code sslmode}; they may
 * override the defaults set here, but not the replication settings. The password never appears in
 * {@link #toString()}, and neither does any property whose name mentions a password.
 */
public record PostgresPeer(
        String host, int port, String database, String user, String password, Map<String, String> properties)
        implements PeerConfig {

    /** What the server shows in {@code pg_stat_activity.application_name} for our sessions. */
    public static final String APPLICATION_NAME = "mirrorflow";

    public PostgresPeer {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    public static PostgresPeer of(String host, int port, String database, String user, String password) {
        return new PostgresPeer(host, port, database, user, password, Map.of());
    }

    /** The same server and login, another database. */
    public PostgresPeer withDatabase(String otherDatabase) {
        return new PostgresPeer(host, port, otherDatabase, user, password, properties);
    }

    /** The same server and database, another login. */
    public PostgresPeer withLogin(String otherUser, String otherPassword) {
        return new PostgresPeer(host, port, database, otherUser, otherPassword, properties);
    }

    public String jdbcUrl() {
        // An IPv6 literal must be bracketed in a URL, and pgjdbc percent-decodes the database name
        // (a '+' included), so a name with '/', '?', '%' or '+' must be encoded to arrive intact.
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        String databasePart = URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
        return "jdbc:postgresql://" + hostPart + ":" + port + "/" + databasePart;
    }

    @Override
    public PeerType type() {
        return PeerType.POSTGRES;
    }

    /** {@code host:port/database}, for messages. */
    @Override
    public String location() {
        return host + ":" + port + "/" + database;
    }

    /** Session settings under which every value's text form reads back as exactly that value. */
    static final String EXACT_TEXT_OUTPUT = "-c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex"
            + " -c DateStyle=ISO,MDY";

    /**
     * A normal SQL session: a new one, or inside a {@link PeerSessions} scope on this thread, one
     * the scope lends.
     */
    public Connection connect() throws SQLException {
        PeerSessions scope = PeerSessions.current();
        if (scope != null) {
            return scope.lend(this, () -> DriverManager.getConnection(jdbcUrl(), connectionProperties()));
        }
        return DriverManager.getConnection(jdbcUrl(), connectionProperties());
    }

    /**
     * A logical replication session ({@code replication=database}). It accepts replication
     * commands and, over the simple query protocol only, ordinary SQL, which is how the slot's
     * advisory lock is taken on the very session that uses the slot.
     */
    public Connection connectForReplication() throws SQLException {
        Properties p = connectionProperties();
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        // pgoutput writes values as text with the walsender session's settings, which a database
        // or role may change (ALTER DATABASE ... SET IntervalStyle = sql_standard prints a
        // negative interval's time without its sign; a low extra_float_digits rounds floats).
        // The destination reads them back in PostgreSQL's default, exact forms, so those are the
        // forms this session prints in; they come last, after any options the peer sets.
        String user = PGProperty.OPTIONS.getOrDefault(p);
        PGProperty.OPTIONS.set(p, (user == null || user.isBlank() ? "" : user + " ") + EXACT_TEXT_OUTPUT);
        // Its socket lets the stream's reader sleep until the server sends something
        // (ReplicationSocket), unless the peer brings a socket factory of its own.
        return ReplicationSocket.open(p, props -> DriverManager.getConnection(jdbcUrl(), props));
    }

    private Properties connectionProperties() {
        Properties p = new Properties();
        PGProperty.APPLICATION_NAME.set(p, APPLICATION_NAME);
        p.putAll(properties);
        PGProperty.USER.set(p, user);
        if (password != null) {
            PGProperty.PASSWORD.set(p, password);
        }
        return p;
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        properties.forEach((k, v) -> shown.put(k, k.toLowerCase().contains("password") ? "***" : v));
        return "PostgresPeer[" + location() + ", user=" + user + (shown.isEmpty() ? "" : ", " + shown) + "]";
    }
}
