package dev.mirrorflow.connector.mongo;

import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A MongoDB deployment that mirrorflow reads from, and how to log in to it.
 *
 * @param srv whether the hosts are found through DNS SRV records ({@code mongodb+srv://}); then
 *     {@code hosts} holds exactly one name without a port
 * @param hosts the seed list as {@code host:port} (or the SRV name), in the user's order
 * @param database the URL's database, or null; the driver authenticates against it when {@code
 *     authSource} is not set, as every MongoDB driver does
 * @param user the login, or null for a deployment without access control
 * @param password the login's password, or null; never part of {@link #connectionString()} or
 *     {@link #toString()}
 * @param options the connection string options ({@code replicaSet}, {@code authSource}, {@code
 *     tls}, {@code tlsCAFile}...), by their canonical names (see {@link MongoPeerUrl#OPTIONS})
 */
public record MongoPeer(
        boolean srv, List<String> hosts, String database, String user, String password, Map<String, String> options)
        implements PeerConfig {

    /** What the server shows in {@code currentOp} and its log for our connections. */
    public static final String APPLICATION_NAME = "mirrorflow";

    public MongoPeer {
        Objects.requireNonNull(hosts, "hosts");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a MongoDB peer needs at least one host");
        }
        if (srv && hosts.size() != 1) {
            throw new IllegalArgumentException("a mongodb+srv:// peer has exactly one host name");
        }
        if (user == null && password != null) {
            throw new IllegalArgumentException("a password without a user");
        }
        hosts = List.copyOf(hosts);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    @Override
    public PeerType type() {
        return PeerType.MONGODB;
    }

    /** The same deployment and login, with this password. */
    public MongoPeer withPassword(String otherPassword) {
        return new MongoPeer(srv, hosts, database, user, otherPassword, options);
    }

    /** The same deployment, another login. */
    public MongoPeer withLogin(String otherUser, String otherPassword) {
        return new MongoPeer(srv, hosts, database, otherUser, otherPassword, options);
    }

    /** The value of a connection string option, or null. */
    public String option(String name) {
        return options.get(name);
    }

    /**
     * The connection string without user and password (the client gets those as a credential), with
     * the options sorted so the same peer always gives the same string.
     */
    public String connectionString() {
        return connectionString(Set.of());
    }

    /** {@link #connectionString()} without the options named, which the caller applies itself. */
    String connectionString(Set<String> leftOut) {
        StringBuilder url = new StringBuilder(srv ? "mongodb+srv://" : "mongodb://");
        url.append(String.join(",", hosts)).append('/');
        if (database != null) {
            url.append(encode(database));
        }
        // Map.copyOf keeps no order; sorting here gives the same peer the same string in every JVM.
        List<Map.Entry<String, String>> kept = new TreeMap<>(options).entrySet().stream()
                .filter(e -> !leftOut.contains(e.getKey())).toList();
        if (!kept.isEmpty()) {
            url.append('?').append(kept.stream()
                    .map(e -> e.getKey() + "=" + encode(e.getValue()))
                    .collect(Collectors.joining("&")));
        }
        return url.toString();
    }

    /** The database the login is checked against: {@code authSource}, else the URL's database, else admin. */
    public String authenticationDatabase() {
        String authSource = options.get("authSource");
        if (authSource != null) {
            return authSource;
        }
        return database != null ? database : "admin";
    }

    /** {@code host:port,host:port} or the SRV name, with the replica set when named, for messages. */
    @Override
    public String location() {
        String replicaSet = options.get("replicaSet");
        return (srv ? "mongodb+srv://" : "") + String.join(",", hosts)
                + (replicaSet == null ? "" : " (replica set " + replicaSet + ")");
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "MongoPeer[" + location() + (user == null ? "" : ", user=" + user)
                + (options.isEmpty() ? "" : ", " + new TreeMap<>(options)) + "]";
    }
}
