package dev.mirrorflow.connector.mongo;

import dev.mirrorflow.connector.ConnectorFailure;
import java.util.Objects;

/**
 * A failure of a MongoDB source while streaming or loading, already understood: its message is
 * the one line the mirror shows (what happened and what to do), {@link #problem()} says what it
 * is without parsing the message, and {@link #retryable()} whether trying again can succeed.
 *
 * <p>Its {@link #type()} uses the PostgreSQL source's names ({@code SourceUnavailable} for
 * retryable failures, {@code SourceConfiguration} for permanent ones), so that retry policies and
 * activities treat both sources alike.
 */
public final class MongoSourceException extends RuntimeException implements ConnectorFailure {

    /** Do not rename: the PostgreSQL source's {@code SourceUnavailableException.TYPE}. */
    public static final String UNAVAILABLE = "SourceUnavailable";
    /** Do not rename: the PostgreSQL source's {@code SourceConfigurationException.TYPE}. */
    public static final String CONFIGURATION = "SourceConfiguration";

    /** What went wrong. */
    public enum Problem {
        /** The oplog no longer holds the position (ChangeStreamHistoryLost 286, CappedPositionLost 136). */
        HISTORY_LOST(false),
        /** A mapped collection was dropped. */
        COLLECTION_DROPPED(false),
        /** A mapped collection was renamed, or another collection was renamed onto a mapped one. */
        COLLECTION_RENAMED(false),
        /** The database of a mapped collection was dropped. */
        DATABASE_DROPPED(false),
        /** The server invalidated the change stream. */
        STREAM_INVALIDATED(false),
        /** The user may not read or watch what the mirror maps. */
        NOT_AUTHORIZED(false),
        /** A change event with its full document is larger than the 16 MB a BSON document may be. */
        EVENT_TOO_LARGE(false),
        /** The spec or the source must change: a collection that does not exist, an option of another source. */
        CONFIGURATION(false),
        /** The server cannot serve us right now (unreachable, electing a primary); retry later. */
        UNAVAILABLE(true),
        /** A server error this connector has no special handling for; retried. */
        OTHER(true);

        private final boolean retryable;

        Problem(boolean retryable) {
            this.retryable = retryable;
        }
    }

    private final Problem problem;

    public MongoSourceException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }

    @Override
    public boolean retryable() {
        return problem.retryable;
    }

    @Override
    public String type() {
        return retryable() ? UNAVAILABLE : CONFIGURATION;
    }
}
