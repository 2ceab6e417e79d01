package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.SlotBusyException;
import dev.mirrorflow.connector.postgres.setup.SourceValidator;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.AUTHENTICATION_FAILED;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.DATABASE_MISSING;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.MISSING_PRIVILEGE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.MISSING_REPLICATION_PRIVILEGE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.MISSING_TABLE_PRIVILEGE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.NO_FREE_REPLICATION_SLOTS;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.OTHER;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.SLOT_OTHER_DATABASE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.TABLE_MISSING;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.WAL_LEVEL_NOT_LOGICAL;

import dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem;
import java.sql.SQLException;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that decides whether a PostgreSQL error on a source is worth retrying, and words
 * it for the person who has to act on it.
 *
 * <p>The decision rests on the SQLSTATE. Connection failures, server restarts, resource shortages,
 * transaction conflicts and a slot in use by someone else are retryable: they pass without anyone
 * doing anything. Everything else (authentication, missing objects, privileges, configuration
 * limits, statements the server refused) repeats identically on every attempt, so it is permanent
 * and ends the mirror with a message saying what to fix.
 *
 * <p>The same decision serves commands a person runs on a peer ({@link SourceOperation#onPeer}),
 * but their messages name the peer and end in what to do now, since nothing will retry for them.
 */
public final class SourceFailureClassifier {

    /** Postgres' text for 55006 on a slot: {@code replication slot "x" is active for PID 123}. */
    private static final Pattern ACTIVE_FOR_PID = Pattern.compile("active for PID (\\d+)");

    /** SQLSTATE classes of trouble in the environment rather than in the request. */
    private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "40", "53", "57", "58", "XX");

    private SourceFailureClassifier() {}

    public static SourceException classify(SQLException e, SourceOperation op) {
        String state = e.getSQLState();
        String driver = firstLine(e);
        String subject = op.subject();
        String at = op.peer().location();
        String user = op.peer().user();
        if (state == null) {
            // pgjdbc reports some I/O trouble without a SQLSTATE.
            return unreachable(e, op, driver);
        }
        switch (state) {
            case "55006":
                if (op.slot() == null) {
                    break;
                }
                OptionalInt pid = holderPid(driver);
                return slotInUse(op, pid, pid.isPresent() ? "PID " + pid.getAsInt() : "another process", e);
            case "53400":
                return permanent(NO_FREE_REPLICATION_SLOTS, e, noFreeSlotsMessage(op));
            case "28P01":
            case "28000":
                return permanent(AUTHENTICATION_FAILED, e, subject + ": PostgreSQL at " + at + " rejected user "
                        + user + " (" + driver + "); fix " + op.peerToFix() + "'s user and password (or pg_hba.conf), "
                        + op.thenAgain());
            case "3D000":
                return permanent(DATABASE_MISSING, e, subject + ": database " + op.peer().database()
                        + " does not exist on " + op.peer().host() + ":" + op.peer().port()
                        + "; create it or point " + op.peerToFix() + " at the right database, " + op.thenAgain());
            case "42P01":
                return permanent(TABLE_MISSING, e, subject + ": " + (op.table() == null ? driver
                        : "table " + op.table() + " does not exist in " + at)
                        + "; create it or remove it from the mirror, " + op.thenAgain());
            case "42501":
                return insufficientPrivilege(e, op, driver);
            case "57P01":
            case "57P02":
            case "57P03":
                return new SourceUnavailableException(subject + ": PostgreSQL at " + at
                        + " is shutting down, restarting or not yet accepting connections (" + driver + ") while "
                        + op.action() + "; " + (op.forMirror() ? "will retry" : "try again") + " once it is back", e);
            case "53300":
                return new SourceUnavailableException(subject + ": PostgreSQL at " + at
                        + " has no free connection (" + driver + ") while " + op.action()
                        + "; " + op.retryNote() + "; raise max_connections or max_wal_senders, or close idle sessions",
                        e);
            case "55P03":
                return new SourceUnavailableException(subject + ": PostgreSQL at " + at
                        + " did not grant a lock in time (" + driver + ") while " + op.action() + "; "
                        + op.retryNote(), e);
            case "55000":
                if (driver.contains("wal_level")) {
                    return permanent(WAL_LEVEL_NOT_LOGICAL, e, walLevelMessage(op, driver));
                }
                if (driver.contains("not created in this database")) {
                    return permanent(SLOT_OTHER_DATABASE, e, subject + ": " + driver + "; give the mirror another "
                            + "slot name or point the source peer at the slot's database, " + op.thenAgain());
                }
                break;
            default:
                break;
        }
        // pgjdbc says so, with 08004, when the server asks for a password (SCRAM, md5 or
        // cleartext) and the peer has none: the server was reached, and a retry cannot help.
        if (state.equals("08004") && driver.contains("no password was provided")) {
            return permanent(AUTHENTICATION_FAILED, e, subject + ": PostgreSQL at " + at
                    + " requires a password for user " + user + " and " + op.peerToFix() + " has none; "
                    + (op.forMirror() ? "create the source peer again with --password-file FILE (a file holding the "
                            + "password), then run mirrorflow mirror resync " + op.mirror()
                            : "a password is required: pass --password-file FILE (a file holding the password) when "
                                    + "creating the peer, then run the command again"));
        }
        if (state.startsWith("08")) {
            return unreachable(e, op, driver);
        }
        if (TRANSIENT_CLASSES.contains(state.substring(0, 2)) || state.equals("55006")) {
            return new SourceUnavailableException(subject + ": PostgreSQL at " + at + " failed while " + op.action()
                    + " (SQLSTATE " + state + ": " + driver + "); " + op.retryNote(), e);
        }
        return permanent(OTHER, e, subject + ": PostgreSQL at " + at + " reported an error while " + op.action()
                + " (SQLSTATE " + state + ": " + driver + "); "
                + (op.forMirror() ? "fix the source or the mirror" : "fix the server or " + op.peerToFix()) + ", "
                + op.thenAgain());
    }

    /**
     * The slot is active for another session. Also used by {@link SlotAcquirer}, which looks before
     * Postgres would refuse.
     *
     * @param holder who holds it, starting with its PID when known
     */
    public static SlotBusyException slotInUse(SourceOperation op, OptionalInt pid, String holder, Throwable cause) {
        return new SlotBusyException(op.subject() + ": the replication slot is in use by " + holder + " while "
                + op.action() + "; will retry with backoff (stop that process if it should not use the slot)",
                op.slot(), pid, cause);
    }

    /** Also used by {@link SourceValidator}, which finds the problem before Postgres reports it. */
    public static String walLevelMessage(SourceOperation op, String whatIsWrong) {
        return op.subject() + ": " + whatIsWrong + " on " + op.peer().host() + ":" + op.peer().port()
                + "; run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL, " + op.thenAgain();
    }

    /** Also used by {@link SourceValidator}, which finds the problem before Postgres reports it. */
    public static String noFreeSlotsMessage(SourceOperation op) {
        return op.subject() + ": cannot create replication slot " + op.slot() + " because all replication slots on "
                + op.peer().host() + ":" + op.peer().port() + " are in use (max_replication_slots)"
                + "; raise max_replication_slots (needs a restart) or drop unused slots with "
                + "pg_drop_replication_slot, " + op.thenAgain();
    }

    private static SourceException insufficientPrivilege(SQLException e, SourceOperation op, String driver) {
        String user = op.peer().user();
        if (driver.contains("replication")) {
            return permanent(MISSING_REPLICATION_PRIVILEGE, e, op.subject() + ": user " + user
                    + " may not use replication on " + op.peer().location() + " (" + driver + "); run ALTER ROLE "
                    + user + " REPLICATION as a superuser, " + op.thenAgain());
        }
        if (op.table() != null) {
            return permanent(MISSING_TABLE_PRIVILEGE, e, op.subject() + ": user " + user + " may not read table "
                    + op.table() + " (" + driver + "); run GRANT SELECT ON " + op.table().quoted() + " TO " + user
                    + ", " + op.thenAgain());
        }
        return permanent(MISSING_PRIVILEGE, e, op.subject() + ": user " + user + " lacks a privilege for "
                + op.action() + " (" + driver + "); grant it, " + op.thenAgain());
    }

    private static SourceException unreachable(SQLException e, SourceOperation op, String driver) {
        String advice = op.forMirror() ? "will retry; check that the server is up and reachable from the worker"
                : "check the host and port and that the server is up and reachable from here";
        return new SourceUnavailableException(op.subject() + ": cannot reach PostgreSQL at " + op.peer().location()
                + " while " + op.action() + " (" + driver + "); " + advice, e);
    }

    private static SourceConfigurationException permanent(Problem problem, SQLException e, String message) {
        return new SourceConfigurationException(problem, message, e);
    }

    private static OptionalInt holderPid(String driverMessage) {
        Matcher m = ACTIVE_FOR_PID.matcher(driverMessage);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** Driver messages may carry Detail and Hint lines; ours are one line. */
    private static String firstLine(SQLException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return m.lines().findFirst().orElse(m).strip();
    }
}
