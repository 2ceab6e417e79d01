package dev.mirrorflow.connector.postgres.peer;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.mirrorflow.connector.InvalidPeerException;
import dev.mirrorflow.connector.PeerUrls;
import java.net.URLDecoder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads the URL a user gives for a PostgreSQL peer, in libpq's form
 * ({@code postgres://user@host:port/db?sslmode=require}, also {@code postgresql://}) or pgjdbc's
 * ({@code jdbc:postgresql://host:port/db?user=cdc&sslmode=require}), into a {@link PostgresPeer}
 * without a password.
 *
 * <p>Passwords never come from a URL: a URL ends up in shell history, process lists and CI logs,
 * so one carrying a password is refused and the password is taken from a file instead. For the
 * same reason no message here repeats the URL or a piece of it that might be a secret.
 *
 * <p>Only connection parameters known to be useful and harmless are accepted (see {@link
 * #PARAMETERS}); pgjdbc silently ignores names it does not know, so a libpq parameter it lacks
 * would otherwise be dropped without a word, and some pgjdbc parameters name classes to load.
 */
public final class PostgresPeerUrl {

    public static final int DEFAULT_PORT = 5432;

    /** The pgjdbc connection parameters a peer URL may set. */
    static final Set<String> PARAMETERS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey", "connectTimeout",
            "loginTimeout", "socketTimeout", "tcpKeepAlive", "ApplicationName", "options");

    private static final String SUPPORTED_LIST = "user, " + PARAMETERS.stream()
            .sorted(String.CASE_INSENSITIVE_ORDER).collect(Collectors.joining(", "))
            + " (and libpq's connect_timeout, application_name)";

    /** libpq's names for parameters pgjdbc spells differently. */
    private static final Map<String, String> LIBPQ_ALIASES = Map.of(
            "connect_timeout", "connectTimeout",
            "application_name", "ApplicationName");

    private static final Set<String> SSL_MODES =
            Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    private static final Set<String> SECONDS = Set.of("connectTimeout", "loginTimeout", "socketTimeout");

    static final String PASSWORD_IN_URL = PeerUrls.PASSWORD_IN_URL;

    private static final String FORM = "write postgres://USER@HOST:PORT/DATABASE or "
            + "jdbc:postgresql://HOST:PORT/DATABASE?user=USER";


    private PostgresPeerUrl() {}

    /**
     * @return the peer the URL describes; its password is null
     * @throws InvalidPeerException with one line saying what is wrong, naming no secret
     */
    public static PostgresPeer parse(String url) {
        if (url == null || url.isBlank()) {
            throw invalid("the peer URL is empty; " + FORM);
        }
        String text = url.strip();
        boolean jdbc;
        String rest;
        if (PeerUrls.startsWithIgnoringCase(text, "jdbc:postgresql://")) {
            jdbc = true;
            rest = text.substring("jdbc:postgresql://".length());
        } else if (PeerUrls.startsWithIgnoringCase(text, "postgres://")) {
            jdbc = false;
            rest = text.substring("postgres://".length());
        } else if (PeerUrls.startsWithIgnoringCase(text, "postgresql://")) {
            jdbc = false;
            rest = text.substring("postgresql://".length());
        } else {
            throw invalid("the peer URL must start with postgres://, postgresql:// or jdbc:postgresql://"
                    + PeerUrls.schemeSeen(text) + "; " + FORM);
        }

        int question = rest.indexOf('?');
        String beforeQuery = question < 0 ? rest : rest.substring(0, question);
        String query = question < 0 ? "" : rest.substring(question + 1);
        int slash = beforeQuery.indexOf('/');
        String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
        String path = slash < 0 ? "" : beforeQuery.substring(slash + 1);

        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? null : authority.substring(0, at);
        String hostAndPort = authority.substring(at + 1);
        // An unencoded '/' or '@' in a password moves the '@' out of the authority; refusing an '@'
        // anywhere before the query keeps such a password from being read as a host or database.
        if ((userInfo != null && userInfo.contains(":")) || path.contains("@")) {
            throw invalid(PASSWORD_IN_URL + (path.contains("@") ? " (or percent-encode '@' as %40)" : ""));
        }
        if (beforeQuery.contains("#") || query.contains("#")) {
            throw invalid("the peer URL has a fragment (#...), which a database URL cannot have; percent-encode '#'"
                    + " as %23");
        }

        Map<String, String> parameters = parameters(query, jdbc);
        String user = userInfo == null ? null : PeerUrls.decode(userInfo, "user name");
        String queryUser = parameters.remove("user");
        if (user != null && queryUser != null && !user.equals(queryUser)) {
            throw invalid("the peer URL names two different users (before the host and in ?user=); keep one");
        }
        user = user != null ? user : queryUser;
        if (user == null || user.isEmpty()) {
            throw invalid("the peer URL names no user; " + FORM);
        }

        String host;
        int port = DEFAULT_PORT;
        String portText = null;
        if (hostAndPort.startsWith("[")) {
            int close = hostAndPort.indexOf(']');
            if (close < 0) {
                throw invalid("the peer URL has an IPv6 address without its closing ']'");
            }
            host = hostAndPort.substring(1, close);
            String after = hostAndPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw invalid("the peer URL has something other than :PORT after the IPv6 address");
                }
                portText = after.substring(1);
            }
            if (!PeerUrls.IPV6.matcher(host).matches() || !host.contains(":")) {
                throw invalid("the peer URL has an invalid IPv6 address in [...]");
            }
        } else {
            if (hostAndPort.contains(",")) {
                throw invalid("the peer URL names several hosts; mirrorflow connects to one host, name only it");
            }
            int colon = hostAndPort.indexOf(':');
            host = colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
            portText = colon < 0 ? null : hostAndPort.substring(colon + 1);
            if (host.isEmpty()) {
                throw invalid("the peer URL names no host; " + FORM);
            }
            if (!PeerUrls.HOST_NAME.matcher(host).matches()) {
                throw invalid("the peer URL's host is not a valid host name or address; percent-encoding is not"
                        + " supported there");
            }
        }
        if (portText != null) {
            port = PeerUrls.port(portText, DEFAULT_PORT);
        }

        if (path.isEmpty()) {
            throw invalid("the peer URL names no database; add /DATABASE after the host");
        }
        if (path.contains("/")) {
            throw invalid("the peer URL's path must be just the database name; percent-encode '/' in a database name"
                    + " as %2F");
        }
        String database = PeerUrls.decode(path, "database name");
        return new PostgresPeer(host, port, database, user, null, parameters);
    }

    private static Map<String, String> parameters(String query, boolean jdbc) {
        Map<String, String> parameters = new TreeMap<>();
        if (query.isEmpty()) {
            return parameters;
        }
        Map<String, String> seen = new LinkedHashMap<>();
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = jdbc ? jdbcDecode(rawName, "parameter name") : PeerUrls.decode(rawName, "parameter name");
            // Checked before anything else about the pair, so that no message can quote a secret.
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("password")) {
                throw invalid(PASSWORD_IN_URL);
            }
            if (lower.contains("password") || lower.equals("sslpasswordcallback")) {
                throw invalid("the peer URL sets " + PeerUrls.safeName(name) + ", a secret, which mirrorflow does not take in"
                        + " a URL; use a client key without a passphrase");
            }
            String canonical = LIBPQ_ALIASES.getOrDefault(name, name);
            if (!canonical.equals("user") && !PARAMETERS.contains(canonical)) {
                throw invalid("the peer URL parameter " + PeerUrls.safeName(name) + " is not supported; supported: "
                        + SUPPORTED_LIST);
            }
            if (eq < 0 || eq == pair.length() - 1) {
                throw invalid("the peer URL parameter " + PeerUrls.safeName(name) + " has no value; write " + PeerUrls.safeName(name)
                        + "=VALUE");
            }
            String value = jdbc ? jdbcDecode(pair.substring(eq + 1), "value of " + PeerUrls.safeName(name))
                    : PeerUrls.decode(pair.substring(eq + 1), "value of " + PeerUrls.safeName(name));
            if (seen.put(canonical, value) != null) {
                throw invalid("the peer URL sets " + canonical + " twice; keep one");
            }
            validate(canonical, value);
            parameters.put(canonical, value);
        }
        return parameters;
    }

    private static void validate(String name, String value) {
        if (name.equals("sslmode") && !SSL_MODES.contains(value)) {
            throw invalid("the peer URL's sslmode must be one of disable, allow, prefer, require, verify-ca,"
                    + " verify-full");
        }
        if (SECONDS.contains(name) && !value.matches("\\d{1,6}")) {
            throw invalid("the peer URL's " + name + " must be a whole number of seconds");
        }
        if (name.equals("tcpKeepAlive") && !value.equals("true") && !value.equals("false")) {
            throw invalid("the peer URL's tcpKeepAlive must be true or false");
        }
    }


    /** pgjdbc decodes its URL's parameters like an HTML form: a '+' is a space. */
    private static String jdbcDecode(String text, String what) {
        try {
            return URLDecoder.decode(text, UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid("the peer URL's " + what + " has a '%' that is not followed by two hex digits");
        }
    }



    private static InvalidPeerException invalid(String message) {
        return new InvalidPeerException(message);
    }
}
