package dev.mirrorflow.workflow;

import java.util.List;

/**
 * The types of the {@code ApplicationFailure}s mirrorflow's activities throw, in one place, so
 * that the activities that throw them and the workflow whose retry policies read them cannot
 * drift apart.
 *
 * <p>Whether a failure is retried is decided twice, and both must agree: the activity marks a
 * failure non-retryable when the user must fix something, and the workflow's retry policies
 * never retry the types in {@link #NEVER_RETRIED} whatever the activity said. Every other type is
 * retried under the mirror's {@code retry} settings, the last error showing on the mirror
 * meanwhile. A failure the activities do not classify has the simple name of its exception's
 * class as its type, and is retried.
 *
 * <p>The names are carried in Temporal histories and retry policies: do not rename them.
 */
public final class FailureTypes {

    /**
     * The source is set up so that the mirror cannot work (a missing table or privilege, {@code
     * wal_level}, a lost slot, a publication that filters changes, ...): someone must fix the
     * source or the spec. Never retried; the mirror FAILS with the message.
     */
    public static final String SOURCE_CONFIGURATION = "SourceConfiguration";

    /** The source cannot serve the mirror right now (unreachable, restarting, out of connections). Retried. */
    public static final String SOURCE_UNAVAILABLE = "SourceUnavailable";

    /**
     * Another mirrorflow instance or another process holds the mirror's replication slot.
     * Retried, since the holder usually goes away on its own.
     */
    public static final String SLOT_BUSY = "SlotBusy";

    /**
     * The destination cannot take what the mirror writes, and would not on another attempt (an
     * incompatible table, a missing privilege, a dropped table or schema). Never retried; the
     * mirror FAILS with the message.
     */
    public static final String DESTINATION_CONFIGURATION = "DestinationConfiguration";

    /** The destination failed in a way another attempt may not meet (a lost connection, a restart). Retried. */
    public static final String DESTINATION_UNAVAILABLE = "DestinationUnavailable";

    /**
     * The mirror is not in the catalog (dropped meanwhile), or its stored spec cannot be read.
     * Never retried.
     */
    public static final String MIRROR_NOT_FOUND = "MirrorNotFound";

    /**
     * The worker's secret key cannot decrypt a peer's credentials (another key, a damaged key).
     * Retried: once the operator gives the worker the right key, the next attempt succeeds.
     */
    public static final String SECRET_KEY = "SecretKey";

    /**
     * A drop could not remove the slot or the publication. Retried while another attempt may
     * clear it up (the slot's holder may go away); otherwise not retried, and the message names
     * the SQL that removes what was left.
     */
    public static final String TEARDOWN_INCOMPLETE = "TeardownIncomplete";

    /**
     * A worker started with {@code --max-mirrors} already runs that many loads and streams and
     * gave this one back untouched. Retried within a second, by whichever worker polls first.
     */
    public static final String WORKER_AT_CAPACITY = "WorkerAtCapacity";

    /** A worker cannot reach the catalog when asked to describe itself. Retried. */
    public static final String CATALOG_UNAVAILABLE = "CatalogUnavailable";

    /** The types the workflow's retry policies never retry: problems a user must fix. */
    public static final List<String> NEVER_RETRIED =
            List.of(SOURCE_CONFIGURATION, DESTINATION_CONFIGURATION, MIRROR_NOT_FOUND);

    private FailureTypes() {}
}
