package dev.mirrorflow.connector.load;

import dev.mirrorflow.connector.Value;

/**
 * The rows of one load partition as a source reads them, for a destination of another kind
 * than the source (a PostgreSQL source into a PostgreSQL destination pipes binary COPY instead).
 * Values follow the load table's {@link TableLoad#columns()} in PostgreSQL's text form.
 */
@FunctionalInterface
public interface PartitionRows {

    /**
     * Hands every row of the partition to {@code sink}. May be called again, to read the
     * partition anew (a destination that must write it another way).
     *
     * @return how many rows it handed over
     */
    long read(Sink sink) throws Exception;

    /** Where the rows go; it may throw to end the read. */
    @FunctionalInterface
    interface Sink {
        void row(Value[] values) throws Exception;
    }
}
