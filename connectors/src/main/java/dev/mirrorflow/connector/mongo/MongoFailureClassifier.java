package dev.mirrorflow.connector.mongo;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that words the MongoDB driver's failures for a person: unreachable servers and
 * failing logins, missing privileges, server errors. I/O and selection failures are retryable,
 * logins and privileges are not.
 */
public final class MongoFailureClassifier {

    /** MongoDB's {@code Unauthorized}. */
    static final int UNAUTHORIZED = 13;
    /** MongoDB's {@code AuthenticationFailed}. */
    static final int AUTHENTICATION_FAILED = 18;

    /** Server error codes that a retry may get past without anyone changing anything. */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(
            6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436);

    /** The innermost cause the driver writes into a server selection timeout's cluster description. */
    private static final Pattern CAUSED_BY = Pattern.compile("caused by \\{([^{}]+)\\}");
    private static final Pattern EXCEPTION = Pattern.compile("exception=\\{([^{}]+)\\}");

    private MongoFailureClassifier() {}

    /**
     * @param subject who fails, e.g. {@code peer shop}
     * @param action what was being done, e.g. {@code checking the peer}
     */
    public static MongoPeerException classify(MongoException e, String subject, String action, MongoPeer peer) {
        String at = peer.location();
        if (e instanceof MongoSecurityException security) {
            String why = security.getCause() instanceof MongoCommandException command
                    ? command.getErrorMessage() : firstLine(security.getMessage());
            return new MongoPeerException(subject + ": MongoDB at " + at + " rejected the login of user "
                    + peer.user() + " against database " + peer.authenticationDatabase() + " (" + why
                    + "); fix the peer's user and password (and authSource if the user is defined elsewhere),"
                    + " then run the command again", false, e);
        }
        if (e instanceof MongoTimeoutException) {
            String cause = selectionCause(e.getMessage(), peer);
            if (cause.contains("certification path")) {
                return new MongoPeerException(subject + ": MongoDB at " + at + " presents a TLS certificate that no CA"
                        + " trusted here has signed (" + cause + "); add tlsCAFile=PATH (the CA's certificate in PEM"
                        + " form) to the peer's URL", false, e);
            }
            return new MongoPeerException(subject + ": cannot reach MongoDB at " + at + " while " + action + " ("
                    + cause + "); check the hosts, ports, replicaSet and TLS options and that the server is up and"
                    + " reachable from here", true, e);
        }
        if (e instanceof MongoSocketException) {
            return new MongoPeerException(subject + ": cannot reach MongoDB at " + at + " while " + action + " ("
                    + firstLine(e.getMessage()) + "); check that the server is up and reachable from here", true, e);
        }
        if (e instanceof MongoCommandException command) {
            if (command.getErrorCode() == UNAUTHORIZED) {
                return new MongoPeerException(subject + ": user " + peer.user() + " may not do this on MongoDB at " + at
                        + " while " + action + " (" + command.getErrorMessage() + "); grant the role it needs, then"
                        + " run the command again", false, e);
            }
            return new MongoPeerException(subject + ": MongoDB at " + at + " reported an error while " + action
                    + " (code " + command.getErrorCode() + " " + command.getErrorCodeName() + ": "
                    + command.getErrorMessage() + "); " + (TRANSIENT_CODES.contains(command.getErrorCode())
                            ? "try again" : "fix the server or the peer, then run the command again"),
                    TRANSIENT_CODES.contains(command.getErrorCode()), e);
        }
        return new MongoPeerException(subject + ": MongoDB at " + at + " failed while " + action + " ("
                + firstLine(e.getMessage()) + "); try again, and check the server if it persists",
                TRANSIENT_CODES.contains(e.getCode()), e);
    }

    /**
     * What kept the driver from finding a server, read from the cluster description it puts in
     * the timeout's message (which is long and has no cause attached).
     */
    static String selectionCause(String message, MongoPeer peer) {
        String text = message == null ? "" : message;
        String found = null;
        Matcher caused = CAUSED_BY.matcher(text);
        while (caused.find()) {
            found = caused.group(1);
        }
        if (found == null) {
            Matcher exception = EXCEPTION.matcher(text);
            if (exception.find()) {
                found = exception.group(1);
            }
        }
        if (found != null) {
            return "no server answered within the server selection timeout: " + found.strip();
        }
        if (text.contains("servers=[]") && peer.option("replicaSet") != null) {
            return "no member of replica set " + peer.option("replicaSet") + " answered; is that the set's name?";
        }
        if (text.contains("type=STANDALONE") && peer.option("replicaSet") != null) {
            return "the server is a standalone, not a member of replica set " + peer.option("replicaSet");
        }
        return "no suitable server answered within the server selection timeout";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
