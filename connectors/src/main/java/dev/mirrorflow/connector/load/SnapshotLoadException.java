package dev.mirrorflow.connector.load;

/**
 * An initial load failed: a partition could not be copied, or a worker could not connect. The
 * message says which mirror, table and partition; the cause is the database's own error.
 * Partitions committed before the failure stay done, so a retry continues where this one ended.
 */
public class SnapshotLoadException extends RuntimeException {

    public SnapshotLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
