package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ConnectorMessages;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which destination errors no retry can cure: a privilege the destination user lacks
 * (revoked while the mirror runs, say), or a schema or table that is gone or cannot be named.
 * Each repeats identically on every attempt, so a mirror that retried it would say "retrying"
 * forever; it fails instead, with the cause and what to do. Everything else (connections,
 * restarts, conflicts) stays retryable.
 *
 * <p>A retry would even be wrong for a table or schema that is gone: the next attempt would
 * create the table anew, empty, and stream into it, so the rows it had would silently be missing.
 */
public final class DestinationFailureClassifier {

    /** Part of the message of a failure that only a resync repairs; {@code mirror resume} looks for it. */
    public static final String RESYNC_NEEDED = ConnectorMessages.RESYNC_NEEDED;

    private static final String PERMISSION = "42501";

    /** SQLSTATEs that only a person can fix, with what to tell them before how the mirror starts again. */
    private static final Map<String, String> PERMANENT = Map.of(
            PERMISSION, "the destination user lacks a privilege; grant it (mirror create names what the user needs)",
            "42602", "a name is not valid at the destination",
            "42622", "a name is too long for the destination",
            "3F000", "a schema is missing at the destination, and with it the mirror's tables",
            "42P01", "a table is missing at the destination");

    private DestinationFailureClassifier() {}

    /**
     * What to tell the user when {@code failure}, an initial load's failure, is one of the same
     * permanent kinds; empty when a retry may help. A load reads the source and writes the
     * destination, so the advice names neither; a resync starts the load again.
     */
    public static Optional<String> permanentLoadAdvice(String mirror, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof LoadTimeKeys.DuplicateKeysLoaded d) {
                return Optional.of(d.advice());
            }
            if (t instanceof SQLException e && e.getSQLState() != null) {
                return PERMANENT.containsKey(e.getSQLState())
                        ? Optional.of("a privilege is missing or a name does not resolve (SQLSTATE " + e.getSQLState()
                                + "), which no retry changes; fix it, then run mirrorflow mirror resync " + mirror)
                        : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * What to tell the user when {@code failure}, an error raised while writing to the destination,
     * is permanent; empty when a retry may help.
     *
     * @param streaming whether the mirror was streaming: a FAILED mirror goes on from its checkpoint
     *     with {@code mirror resume} then, once a missing privilege is granted; otherwise a resync
     *     starts it again
     */
    public static Optional<String> permanentAdvice(String mirror, Throwable failure, boolean streaming) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e && e.getSQLState() != null) {
                String state = e.getSQLState();
                return Optional.ofNullable(PERMANENT.get(state)).map(advice -> state.equals(PERMISSION) && streaming
                        ? advice + ", then run mirrorflow mirror resume " + mirror
                        : advice + "; " + RESYNC_NEEDED + ": fix it, then run mirrorflow mirror resync " + mirror);
            }
        }
        return Optional.empty();
    }
}
