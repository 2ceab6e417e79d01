package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.ConnectorFailure;

/**
 * A failure talking to a PostgreSQL source, already classified (see {@link SourceFailureClassifier}).
 * Its message is one line that says what is wrong and what to do, names the mirror, slot or table
 * where known, and never contains a password.
 *
 * <p>An activity turns it into a Temporal failure without looking inside: a retryable one is
 * rethrown (or wrapped with {@code ApplicationFailure.newFailureWithCause(getMessage(), type(),
 * this)}) so the activity retry policy backs off, a permanent one becomes {@code
 * ApplicationFailure.newNonRetryableFailureWithCause(getMessage(), type(), this)} so the mirror
 * stops with this message.
 */
public abstract sealed class SourceException extends RuntimeException implements ConnectorFailure
        permits SourceUnavailableException, SlotBusyException, SourceConfigurationException {

    SourceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same call may succeed later without anyone changing anything. */
    @Override
    public abstract boolean retryable();

    /**
     * A stable name for this kind of failure, used as the Temporal failure type and in retry
     * policies' non-retryable types. Do not rename: recorded histories and policies refer to it.
     */
    @Override
    public abstract String type();
}
