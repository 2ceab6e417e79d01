package dev.mirrorflow.connector.postgres.destination;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which destination errors no retry can cure: a privilege the destination user lacks
 * (revoked while the mirror runs, say), or a schema or table that is gone or cannot be named.
 * Each repeats identically on every attempt, so a mirror that retried it would say "retrying"
 * forever; it fails instead, with the cause and what to do. Everything else (connections,
 * restarts, conflicts) stays retryable.
 */
public final class DestinationFailureClassifier {

    /** SQLSTATEs that only a person can fix, with what to tell them before how the mirror starts again. */
    private static final Map<String, String> PERMANENT = Map.of(
            "42501", "the destination user lacks a privilege; grant it (mirror create names what the user needs)",
            "42602", "a name is not valid at the destination; fix it at the destination",
            "42622", "a name is too long for the destination; fix it at the destination",
            "3F000", "a schema is missing at the destination; create it, or let the destination user create it"
                    + " (GRANT CREATE ON DATABASE)",
            "42P01", "a table is missing at the destination");

    private DestinationFailureClassifier() {}

    /**
     * What to tell the user when {@code failure}, an error raised while writing to the destination,
     * is permanent: the advice, and that a resync starts the FAILED mirror again (its workflow
     * has ended, so there is nothing to resume); empty when a retry may help.
     */
    public static Optional<String> permanentAdvice(String mirror, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e && e.getSQLState() != null) {
                return Optional.ofNullable(PERMANENT.get(e.getSQLState()))
                        .map(advice -> advice + ", then run mirrorflow mirror resync " + mirror);
            }
        }
        return Optional.empty();
    }
}
