package dev.mirrorflow.connector.mongo;

import dev.mirrorflow.connector.ConnectorFailure;

/**
 * A failure talking to a MongoDB peer, already classified (see {@link MongoFailureClassifier}). Its
 * message is one line that says what is wrong and what to do, names the peer where known, and
 * never contains a password.
 *
 * <p>Its {@link #type()} uses the same names as the PostgreSQL source's failures, so that retry
 * policies and the activities treat both sources' failures alike.
 */
public final class MongoPeerException extends RuntimeException implements ConnectorFailure {

    /** Do not rename: the PostgreSQL source's {@code SourceUnavailableException.TYPE}. */
    public static final String UNAVAILABLE = "SourceUnavailable";
    /** Do not rename: the PostgreSQL source's {@code SourceConfigurationException.TYPE}. */
    public static final String CONFIGURATION = "SourceConfiguration";

    private final boolean retryable;

    MongoPeerException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether the same call may succeed later without anyone changing anything. */
    @Override
    public boolean retryable() {
        return retryable;
    }

    /** A stable name for this kind of failure, used as the Temporal failure type. */
    @Override
    public String type() {
        return retryable ? UNAVAILABLE : CONFIGURATION;
    }
}
