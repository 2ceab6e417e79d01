package dev.mirrorflow.model;

/**
 * Everything a mirror's workflow must remember across continue-as-new: the phase it is in,
 * what setup and the load have finished, every request a signal made and not yet served, the
 * settings signals changed, and the counters. Never credentials, never rows.
 *
 * @param loadGeneration starts at 1; a resync starts a new initial load under the next number
 * @param pauseReason set by a pause signal until the mirror has paused
 * @param resumeRequested set by a resume signal until the mirror resumes
 * @param terminateRequested set by a terminate signal; {@code dropDestination} says whether
 *     the destination tables go too
 * @param eventSeq numbers the catalog writes of this mirror so that a retried write is not
 *     written twice
 * @param pendingEdit set by an editSpec signal until the edit is applied (the edited spec waits
 *     in the catalog); null when there is none, also in states written before edits existed
 * @param maintenanceRunId the maintenance window that holds the mirror as it is (one the window
 *     did not pause, e.g. paused by its user), refusing resume, resync and edits until it ends;
 *     0 when none
 * @param heartbeatTimeoutMillis how long the load or stream of a worker that died waits before
 *     another worker takes it over (Temporal's heartbeat timeout); 0 for the default, 60 s
 */
public record MirrorState(
        Phase phase,
        int loadGeneration,
        boolean setupDone,
        boolean loadDone,
        String pauseReason,
        boolean resumeRequested,
        boolean terminateRequested,
        boolean dropDestination,
        boolean resyncRequested,
        int batchSize,
        long idleTimeoutMillis,
        RetrySettings retry,
        String lastError,
        long phaseSinceMillis,
        long eventSeq,
        SpecEdit pendingEdit,
        long maintenanceRunId,
        long heartbeatTimeoutMillis) {

    /** This state with a spec edit waiting, for a new run of a mirror edited while it had none. */
    public MirrorState withPendingEdit(SpecEdit edit) {
        return new MirrorState(phase, loadGeneration, setupDone, loadDone, pauseReason, resumeRequested,
                terminateRequested, dropDestination, resyncRequested, batchSize, idleTimeoutMillis, retry, lastError,
                phaseSinceMillis, eventSeq, edit, maintenanceRunId, heartbeatTimeoutMillis);
    }

    /** This state with another heartbeat timeout (see {@code heartbeatTimeoutMillis}). */
    public MirrorState withHeartbeatTimeout(long millis) {
        return new MirrorState(phase, loadGeneration, setupDone, loadDone, pauseReason, resumeRequested,
                terminateRequested, dropDestination, resyncRequested, batchSize, idleTimeoutMillis, retry, lastError,
                phaseSinceMillis, eventSeq, pendingEdit, maintenanceRunId, millis);
    }

    /**
     * The state of a new mirror.
     *
     * @param initialLoad false when the destination already holds the data and only changes
     *     from now on are wanted
     */
    public static MirrorState initial(boolean initialLoad, int batchSize, long idleTimeoutMillis, RetrySettings retry) {
        return new MirrorState(Phase.CREATED, 1, false, !initialLoad, null, false, false, false, false, batchSize,
                idleTimeoutMillis, retry, null, 0, 0, null, 0, 0);
    }

    /**
     * The state of a new run for a mirror whose workflow ended FAILED, asking for a resync: it
     * resets the source and destination and loads again as generation {@code lastLoadGeneration + 1}.
     *
     * @param eventsSoFar how many events the catalog holds for the mirror, so that this run's
     *     catalog writes are numbered after the failed run's
     */
    public static MirrorState resyncAfterFailure(int lastLoadGeneration, int batchSize, long idleTimeoutMillis,
            RetrySettings retry, long eventsSoFar) {
        return new MirrorState(Phase.FAILED, lastLoadGeneration, false, false, null, false, false, false, true,
                batchSize, idleTimeoutMillis, retry, null, 0, eventsSoFar, null, 0, 0);
    }

    /**
     * The state of a new run for a mirror whose workflow ended FAILED while it streamed, asking to
     * go on from its checkpoint: setup and the load are done, so the run streams at once, and
     * the stream checks on its own that the slot still holds the changes since the checkpoint.
     *
     * @param eventsSoFar how many events the catalog holds for the mirror
     */
    public static MirrorState resumeAfterFailure(int loadGeneration, int batchSize, long idleTimeoutMillis,
            RetrySettings retry, long eventsSoFar) {
        return new MirrorState(Phase.FAILED, loadGeneration, true, true, null, false, false, false, false,
                batchSize, idleTimeoutMillis, retry, null, 0, eventsSoFar, null, 0, 0);
    }

    /**
     * The state of a new run that only drops the mirror, for a mirror whose workflow has ended
     * (FAILED) or that Temporal no longer knows (retention): the run tears it down and records
     * the outcome, as a terminate signal would have.
     *
     * @param lastPhase the mirror's phase in the catalog
     * @param eventsSoFar how many events the catalog holds for the mirror
     */
    public static MirrorState dropAfterEnd(Phase lastPhase, int loadGeneration, boolean dropDestination,
            int batchSize, long idleTimeoutMillis, RetrySettings retry, long eventsSoFar) {
        return new MirrorState(lastPhase, loadGeneration, false, false, null, false, true, dropDestination, false,
                batchSize, idleTimeoutMillis, retry, null, 0, eventsSoFar, null, 0, 0);
    }
}
