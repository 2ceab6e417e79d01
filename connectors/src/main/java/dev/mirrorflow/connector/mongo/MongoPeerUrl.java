package dev.mirrorflow.connector.mongo;


import com.mongodb.ConnectionString;
import dev.mirrorflow.connector.InvalidPeerException;
import dev.mirrorflow.connector.PeerUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads the URL a user gives for a MongoDB peer, a MongoDB connection string ({@code
 * mongodb://cdc@host1:27017,host2:27017/?replicaSet=rs0&authSource=admin} or {@code
 * mongodb+srv://cdc@cluster0.example.net/?authSource=admin}), into a {@link MongoPeer} without a
 * password.
 *
 * <p>Passwords never come from a URL: a URL ends up in shell history, process lists and CI logs,
 * so one carrying a password is refused and the password is taken from a file instead, exactly as
 * for a PostgreSQL peer. For the same reason no message here repeats the URL or a piece of it that
 * might be a secret.
 *
 * <p>Only the options in {@link #OPTIONS} are accepted. The Java driver ignores option names it
 * does not know with a log line nobody reads, and some it knows (tlsCAFile) it does not support,
 * so an unlisted option would otherwise be dropped without a word.
 */
public final class MongoPeerUrl {

    public static final int DEFAULT_PORT = 27017;

    /**
     * The connection string options a peer URL may set, by their canonical spelling; the user may
     * write them in any case, as MongoDB's drivers accept. {@code ssl} is read as {@code tls}.
     */
    static final Set<String> OPTIONS = Set.of("replicaSet", "authSource", "authMechanism", "tls",
            "tlsCAFile", "tlsAllowInvalidHostnames", "tlsInsecure", "directConnection", "connectTimeoutMS",
            "socketTimeoutMS", "serverSelectionTimeoutMS", "heartbeatFrequencyMS", "maxPoolSize", "readPreference",
            "appName", "retryReads");

    private static final Map<String, String> CANONICAL = OPTIONS.stream()
            .collect(Collectors.toMap(o -> o.toLowerCase(Locale.ROOT), Function.identity()));

    private static final String SUPPORTED_LIST = OPTIONS.stream().sorted(String.CASE_INSENSITIVE_ORDER)
            .collect(Collectors.joining(", ")) + " (and ssl for tls)";

    private static final Set<String> BOOLEANS =
            Set.of("tls", "tlsAllowInvalidHostnames", "tlsInsecure", "directConnection", "retryReads");
    private static final Set<String> NUMBERS = Set.of("connectTimeoutMS", "socketTimeoutMS",
            "serverSelectionTimeoutMS", "heartbeatFrequencyMS", "maxPoolSize");
    private static final Set<String> READ_PREFERENCES =
            Set.of("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest");
    /** The mechanisms that log in with a user and a password, the only kind of login a peer has. */
    private static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-1", "SCRAM-SHA-256");

    static final String PASSWORD_IN_URL = PeerUrls.PASSWORD_IN_URL;

    private static final String FORM = "write mongodb://USER@HOST:PORT/?replicaSet=NAME&authSource=admin or "
            + "mongodb+srv://USER@CLUSTER-HOST/?authSource=admin";

    private static final Pattern DATABASE = Pattern.compile("[^/\\\\. \"$]{1,63}");

    private MongoPeerUrl() {}

    /**
     * @return the peer the URL describes; its password is null, its user null when the URL names none
     * @throws InvalidPeerException with one line saying what is wrong, naming no secret
     */
    public static MongoPeer parse(String url) {
        if (url == null || url.isBlank()) {
            throw invalid("the peer URL is empty; " + FORM);
        }
        String text = url.strip();
        boolean srv;
        String rest;
        if (PeerUrls.startsWithIgnoringCase(text, "mongodb://")) {
            srv = false;
            rest = text.substring("mongodb://".length());
        } else if (PeerUrls.startsWithIgnoringCase(text, "mongodb+srv://")) {
            srv = true;
            rest = text.substring("mongodb+srv://".length());
        } else {
            throw invalid("the peer URL must start with mongodb:// or mongodb+srv://" + PeerUrls.schemeSeen(text) + "; " + FORM);
        }

        int question = rest.indexOf('?');
        String beforeQuery = question < 0 ? rest : rest.substring(0, question);
        String query = question < 0 ? "" : rest.substring(question + 1);
        int slash = beforeQuery.indexOf('/');
        String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
        String path = slash < 0 ? "" : beforeQuery.substring(slash + 1);

        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? null : authority.substring(0, at);
        String hostList = authority.substring(at + 1);
        // An unencoded '/' or '@' in a password moves the '@' out of the authority; refusing an '@'
        // anywhere before the query keeps such a password from being read as a host or database.
        if ((userInfo != null && userInfo.contains(":")) || path.contains("@")) {
            throw invalid(PASSWORD_IN_URL + (path.contains("@") ? " (or percent-encode '@' as %40)" : ""));
        }
        if (beforeQuery.contains("#") || query.contains("#")) {
            throw invalid("the peer URL has a fragment (#...), which a connection string cannot have; percent-encode"
                    + " '#' as %23");
        }
        String user = userInfo == null ? null : PeerUrls.decode(userInfo, "user name");
        if (user != null && user.isEmpty()) {
            throw invalid("the peer URL has an '@' but no user before it; " + FORM);
        }

        List<String> hosts = hosts(hostList, srv);
        String database = null;
        if (!path.isEmpty()) {
            database = PeerUrls.decode(path, "database name");
            if (!DATABASE.matcher(database).matches()) {
                throw invalid("the peer URL's database name is not a valid MongoDB database name (1 to 63 characters,"
                        + " none of / \\ . space \" $)");
            }
        }
        Map<String, String> options = options(query);
        if (srv && "true".equals(options.get("directConnection"))) {
            throw invalid("the peer URL sets directConnection=true on mongodb+srv://, which names a whole"
                    + " deployment; use mongodb://HOST:PORT for one server");
        }
        if (!srv && hosts.size() > 1 && "true".equals(options.get("directConnection"))) {
            throw invalid("the peer URL sets directConnection=true with several hosts; name one host or drop the"
                    + " option");
        }
        if (user == null && options.containsKey("authMechanism")) {
            throw invalid("the peer URL sets authMechanism but names no user; " + FORM);
        }
        MongoPeer peer = new MongoPeer(srv, hosts, database, user, null, options);
        try {
            // The driver's own reading is the last word on what it will accept at connect time; it
            // reads the string MongoPeerClients gives it, without the options applied there.
            new ConnectionString(peer.connectionString(MongoPeerClients.APPLIED_HERE));
        } catch (IllegalArgumentException e) {
            throw invalid("the peer URL is not a connection string the MongoDB driver accepts: " + e.getMessage());
        }
        return peer;
    }

    private static List<String> hosts(String hostList, boolean srv) {
        if (hostList.isEmpty()) {
            throw invalid("the peer URL names no host; " + FORM);
        }
        String[] parts = hostList.split(",", -1);
        if (srv && parts.length > 1) {
            throw invalid("a mongodb+srv:// peer URL names one host (its DNS SRV name), not a list; use mongodb:// for"
                    + " a seed list");
        }
        List<String> hosts = new ArrayList<>();
        for (String part : parts) {
            String host;
            String portText = null;
            if (part.startsWith("[")) {
                int close = part.indexOf(']');
                if (close < 0) {
                    throw invalid("the peer URL has an IPv6 address without its closing ']'");
                }
                host = part.substring(1, close);
                String after = part.substring(close + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        throw invalid("the peer URL has something other than :PORT after the IPv6 address");
                    }
                    portText = after.substring(1);
                }
                if (!PeerUrls.IPV6.matcher(host).matches() || !host.contains(":")) {
                    throw invalid("the peer URL has an invalid IPv6 address in [...]");
                }
                host = "[" + host + "]";
            } else {
                int colon = part.indexOf(':');
                host = colon < 0 ? part : part.substring(0, colon);
                portText = colon < 0 ? null : part.substring(colon + 1);
                if (host.isEmpty()) {
                    throw invalid("the peer URL has an empty host in its host list; " + FORM);
                }
                if (!PeerUrls.HOST_NAME.matcher(host).matches()) {
                    throw invalid("the peer URL's host is not a valid host name or address; percent-encoding is not"
                            + " supported there");
                }
            }
            if (srv) {
                if (portText != null) {
                    throw invalid("a mongodb+srv:// peer URL's host has no port (DNS gives the ports); remove :"
                            + safeDigits(portText) + " or use mongodb://HOST:PORT");
                }
                if (!host.contains(".") || host.startsWith("[")) {
                    throw invalid("a mongodb+srv:// peer URL's host must be a DNS name with a domain, like"
                            + " cluster0.example.net");
                }
                hosts.add(host.toLowerCase(Locale.ROOT));
            } else {
                hosts.add(host.toLowerCase(Locale.ROOT) + ":" + (portText == null ? DEFAULT_PORT : PeerUrls.port(portText, DEFAULT_PORT)));
            }
        }
        if (hosts.stream().distinct().count() < hosts.size()) {
            throw invalid("the peer URL names the same host twice; keep one");
        }
        return hosts;
    }

    private static Map<String, String> options(String query) {
        Map<String, String> options = new TreeMap<>();
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = PeerUrls.decode(eq < 0 ? pair : pair.substring(0, eq), "option name");
            // Checked before anything else about the pair, so that no message can quote a secret.
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("password")) {
                throw invalid(PASSWORD_IN_URL);
            }
            if (lower.contains("password") || lower.equals("authmechanismproperties")) {
                throw invalid("the peer URL sets " + PeerUrls.safeName(name) + ", which may carry a secret and which mirrorflow"
                        + " does not take in a URL");
            }
            String canonical = lower.equals("ssl") ? "tls" : CANONICAL.get(lower);
            if (canonical == null) {
                throw invalid("the peer URL option " + PeerUrls.safeName(name) + " is not supported; supported: "
                        + SUPPORTED_LIST);
            }
            if (eq < 0 || eq == pair.length() - 1) {
                throw invalid("the peer URL option " + PeerUrls.safeName(name) + " has no value; write " + PeerUrls.safeName(name)
                        + "=VALUE");
            }
            String value = PeerUrls.decode(pair.substring(eq + 1), "value of " + canonical);
            validate(canonical, value);
            if (options.containsKey(canonical)) {
                if (!options.get(canonical).equals(value)) {
                    throw invalid("the peer URL sets " + canonical + (lower.equals("ssl") || canonical.equals("tls")
                            ? " (or ssl)" : "") + " twice with different values; keep one");
                }
            }
            options.put(canonical, value);
        }
        return options;
    }

    private static void validate(String name, String value) {
        if (BOOLEANS.contains(name) && !value.equals("true") && !value.equals("false")) {
            throw invalid("the peer URL's " + name + " must be true or false");
        }
        if (NUMBERS.contains(name) && !value.matches("\\d{1,9}")) {
            throw invalid("the peer URL's " + name + " must be a whole number"
                    + (name.endsWith("MS") ? " of milliseconds" : ""));
        }
        if (name.equals("readPreference") && !READ_PREFERENCES.contains(value)) {
            throw invalid("the peer URL's readPreference must be one of primary, primaryPreferred, secondary,"
                    + " secondaryPreferred, nearest");
        }
        if (name.equals("authMechanism") && !MECHANISMS.contains(value)) {
            throw invalid("the peer URL's authMechanism must be SCRAM-SHA-256 or SCRAM-SHA-1 (a peer logs in with a"
                    + " user and a password), or leave it out to let the server choose");
        }
        if ((name.equals("replicaSet") || name.equals("authSource")) && value.isBlank()) {
            throw invalid("the peer URL's " + name + " is empty");
        }
    }


    private static String safeDigits(String text) {
        return text.matches("\\d{1,5}") ? text : "PORT";
    }



    private static InvalidPeerException invalid(String message) {
        return new InvalidPeerException(message);
    }
}
