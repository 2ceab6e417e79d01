package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.workflow.FailureTypes;
import java.util.Objects;

/**
 * The source is set up so that the mirror cannot work, and retrying will not change that: someone
 * has to fix the source or the mirror, then resync it. Permanent (non-retryable).
 */
public final class SourceConfigurationException extends SourceException {

    /** Do not rename: see {@link SourceException#type()}. */
    public static final String TYPE = FailureTypes.SOURCE_CONFIGURATION;

    /** What is wrong, so that callers and tests need not parse the message. */
    public enum Problem {
        WAL_LEVEL_NOT_LOGICAL,
        AUTHENTICATION_FAILED,
        DATABASE_MISSING,
        TABLE_MISSING,
        MISSING_REPLICATION_PRIVILEGE,
        MISSING_TABLE_PRIVILEGE,
        MISSING_PRIVILEGE,
        NO_REPLICA_IDENTITY,
        /** A partitioned table's changes would arrive under its partitions' names. */
        PUBLICATION_NOT_VIA_ROOT,
        /** A publication the spec names publishes only some operations, rows or columns. */
        PUBLICATION_FILTERS_CHANGES,
        SLOT_WRONG_PLUGIN,
        SLOT_OTHER_DATABASE,
        NO_FREE_REPLICATION_SLOTS,
        /** The slot the mirror was reading is gone, and with it the changes it held. */
        SLOT_LOST,
        /**
         * A partition of a mirrored partitioned table was truncated, attached with rows, detached
         * or dropped: its rows changed without a change the stream carries.
         */
        PARTITIONS_CHANGED,
        OTHER
    }

    private final Problem problem;

    public SourceConfigurationException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }

    @Override
    public boolean retryable() {
        return false;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
