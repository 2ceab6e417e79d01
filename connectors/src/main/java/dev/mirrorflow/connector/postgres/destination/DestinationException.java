package dev.mirrorflow.connector.postgres.destination;

/**
 * The destination database refused or lost a write. The message says which mirror, batch and
 * table; the cause is the driver's {@link java.sql.SQLException}, whose SQLSTATE tells a failure
 * classifier whether retrying can help. Nothing of the failed transaction was committed.
 */
public class DestinationException extends RuntimeException {

    public DestinationException(String message, Throwable cause) {
        super(message, cause);
    }
}
