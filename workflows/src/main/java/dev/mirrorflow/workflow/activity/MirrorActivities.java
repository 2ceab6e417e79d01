package dev.mirrorflow.workflow.activity;

import dev.mirrorflow.model.EditRequest;
import dev.mirrorflow.model.EditResult;
import dev.mirrorflow.model.LoadRequest;
import dev.mirrorflow.model.LoadResult;
import dev.mirrorflow.model.StreamRequest;
import dev.mirrorflow.model.TeardownRequest;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The data path of a mirror. Rows never pass through these calls: each activity reads the
 * mirror's spec and peers from the catalog, moves rows itself, and returns counts.
 *
 * <p>Failures: a problem the user must fix (configuration, privileges, a table without a key)
 * is a non-retryable failure whose message says what to do; everything else is retried by the
 * activity's retry policy, and the activity records the error on the mirror while it retries.
 * Activity names are recorded in histories: do not rename.
 */
@ActivityInterface
public interface MirrorActivities {

    /**
     * Validates source and destination (connectivity, privileges, wal_level, keys) and prepares
     * them: publication at the source, tables at the destination. Idempotent.
     */
    @ActivityMethod(name = "SetUpMirror")
    void setUp(String mirror);

    /**
     * Runs the initial load's unfinished partitions, creating the replication slot (with an
     * exported snapshot) first when it does not exist yet. Heartbeats; when cancelled it stops
     * at the next partition boundary and returns with {@code complete == false}.
     */
    @ActivityMethod(name = "LoadSnapshot")
    LoadResult load(LoadRequest request);

    /**
     * Streams changes from the slot's position (the destination's checkpoint) until cancelled,
     * which it honours at a batch boundary. Heartbeats. Each batch is recorded in the catalog.
     */
    @ActivityMethod(name = "StreamChanges")
    void stream(StreamRequest request);

    /**
     * Applies the spec edit waiting in the catalog: validates and sets up the tables it adds
     * (publication, destination tables), lets go of the tables it removes (their destination
     * tables stay, no longer the mirror's), copies the added tables' rows when asked, and then
     * makes the edited spec the mirror's in one catalog transaction. Idempotent: an attempt
     * after a crash goes on with the partitions not copied yet, and an edit applied already
     * returns at once. Heartbeats; when cancelled it stops at a partition boundary and returns
     * with {@code applied == false}.
     */
    @ActivityMethod(name = "ApplySpecEdit")
    EditResult applyEdit(EditRequest request);

    /** Drops the destination tables and the load's progress for a resync. Idempotent. */
    @ActivityMethod(name = "ResetForResync")
    void resetForResync(LoadRequest nextLoad);

    /**
     * Drops slot and publication (not a publication the spec named), and the destination tables
     * when asked. Idempotent. Each piece is tried even when another fails; a slot another process
     * holds is not dropped. When something stays, the failure's message names each piece left,
     * why, and the SQL to drop it by hand; the workflow tries a few times, then records the
     * mirror dropped with that message.
     */
    @ActivityMethod(name = "TearDownMirror")
    void tearDown(TeardownRequest request);
}
