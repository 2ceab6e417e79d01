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
 *     another worker takes it over (Temporal's heartbeat timeout); 0 for the default, 8 s (60 s in
 *     runs recorded before that default)
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

    /** This state with a spec edit waiting ({@code null}: none), e.g. for a new run of a mirror edited meanwhile. */
    public MirrorState withPendingEdit(SpecEdit edit) {
        return changed(c -> c.pendingEdit = edit);
    }

    /** This state with another heartbeat timeout (see {@code heartbeatTimeoutMillis}). */
    public MirrorState withHeartbeatTimeout(long millis) {
        return changed(c -> c.heartbeatTimeoutMillis = millis);
    }

    /** This state in phase {@code next} since {@code sinceMillis}, recorded as the next catalog event. */
    public MirrorState withPhaseRecorded(Phase next, long sinceMillis) {
        return changed(c -> {
            c.phase = next;
            c.phaseSinceMillis = sinceMillis;
            c.eventSeq++;
        });
    }

    /** This state with one more catalog event numbered (see {@code eventSeq}). */
    public MirrorState withNextEvent() {
        return changed(c -> c.eventSeq++);
    }

    /** This state ended in {@code end} (TERMINATED or FAILED), with the error it failed with. */
    public MirrorState withEnd(Phase end, String error) {
        return changed(c -> {
            c.phase = end;
            c.lastError = error;
        });
    }

    public MirrorState withSetupDone(boolean done) {
        return changed(c -> c.setupDone = done);
    }

    public MirrorState withLoadDone(boolean done) {
        return changed(c -> c.loadDone = done);
    }

    /** This state paused for {@code reason} ({@code null}: not paused), with no resume waiting. */
    public MirrorState withPauseReason(String reason) {
        return changed(c -> {
            c.pauseReason = reason;
            c.resumeRequested = false;
        });
    }

    public MirrorState withResumeRequested() {
        return changed(c -> c.resumeRequested = true);
    }

    /** This state asked to be dropped, with the destination tables if this or an earlier request said so. */
    public MirrorState withTerminateRequested(boolean dropDestination) {
        return changed(c -> {
            c.terminateRequested = true;
            c.dropDestination = c.dropDestination || dropDestination;
        });
    }

    public MirrorState withResyncRequested(boolean requested) {
        return changed(c -> c.resyncRequested = requested);
    }

    /** This state after a resync reset source and destination: setup and load again, as the next generation. */
    public MirrorState withNextLoadGeneration() {
        return changed(c -> {
            c.loadGeneration++;
            c.setupDone = false;
            c.loadDone = false;
        });
    }

    public MirrorState withBatchSize(int batchSize) {
        return changed(c -> c.batchSize = batchSize);
    }

    public MirrorState withIdleTimeout(long millis) {
        return changed(c -> c.idleTimeoutMillis = millis);
    }

    /** This state with the settings of an applied spec edit and no edit waiting. */
    public MirrorState withEditApplied(SpecEdit edit) {
        return changed(c -> {
            c.batchSize = edit.batchSize();
            c.idleTimeoutMillis = edit.idleTimeoutMillis();
            c.retry = edit.retry();
            c.pendingEdit = null;
        });
    }

    /** This state with the retry settings of its activities (states written before they existed have none). */
    public MirrorState withRetry(RetrySettings settings) {
        return changed(c -> c.retry = settings);
    }

    /** This state held by maintenance window {@code runId}; 0 releases it. */
    public MirrorState withMaintenanceRunId(long runId) {
        return changed(c -> c.maintenanceRunId = runId);
    }

    /**
     * The state of a new run that resyncs a mirror whose run ended FAILED with this state: the
     * run resets the source and destination and loads again as the next generation, with every
     * setting the mirror had (those that updateConfig changed too) and its catalog writes
     * numbered after the failed run's.
     */
    public MirrorState resyncAfterThisFailure() {
        return changed(c -> {
            c.phase = Phase.FAILED;
            c.setupDone = false;
            c.loadDone = false;
            c.pauseReason = null;
            c.resumeRequested = false;
            c.terminateRequested = false;
            c.dropDestination = false;
            c.resyncRequested = true;
            c.lastError = null;
            c.pendingEdit = null;
            c.maintenanceRunId = 0;
        });
    }

    /**
     * The state of a new run that resumes a mirror whose run ended FAILED while it streamed,
     * with this state: setup and the load are done, so it streams from its checkpoint, with every
     * setting the mirror had (those that updateConfig changed, its heartbeat timeout) and its
     * catalog writes numbered after the failed run's.
     */
    public MirrorState resumeAfterThisFailure() {
        return changed(c -> {
            c.phase = Phase.FAILED;
            c.setupDone = true;
            c.loadDone = true;
            c.pauseReason = null;
            c.resumeRequested = false;
            c.terminateRequested = false;
            c.dropDestination = false;
            c.resyncRequested = false;
            c.lastError = null;
            c.pendingEdit = null;
            c.maintenanceRunId = 0;
        });
    }

    /**
     * A copy of this state with {@code change} made to its components: the one place that names
     * them all, so that each {@code with} method says only what it changes.
     */
    private MirrorState changed(java.util.function.Consumer<Components> change) {
        Components c = new Components(this);
        change.accept(c);
        return new MirrorState(c.phase, c.loadGeneration, c.setupDone, c.loadDone, c.pauseReason, c.resumeRequested,
                c.terminateRequested, c.dropDestination, c.resyncRequested, c.batchSize, c.idleTimeoutMillis, c.retry,
                c.lastError, c.phaseSinceMillis, c.eventSeq, c.pendingEdit, c.maintenanceRunId,
                c.heartbeatTimeoutMillis);
    }

    /** The components of a state being changed; lives only inside {@link #changed}. */
    private static final class Components {
        Phase phase;
        int loadGeneration;
        boolean setupDone;
        boolean loadDone;
        String pauseReason;
        boolean resumeRequested;
        boolean terminateRequested;
        boolean dropDestination;
        boolean resyncRequested;
        int batchSize;
        long idleTimeoutMillis;
        RetrySettings retry;
        String lastError;
        long phaseSinceMillis;
        long eventSeq;
        SpecEdit pendingEdit;
        long maintenanceRunId;
        long heartbeatTimeoutMillis;

        Components(MirrorState s) {
            phase = s.phase;
            loadGeneration = s.loadGeneration;
            setupDone = s.setupDone;
            loadDone = s.loadDone;
            pauseReason = s.pauseReason;
            resumeRequested = s.resumeRequested;
            terminateRequested = s.terminateRequested;
            dropDestination = s.dropDestination;
            resyncRequested = s.resyncRequested;
            batchSize = s.batchSize;
            idleTimeoutMillis = s.idleTimeoutMillis;
            retry = s.retry;
            lastError = s.lastError;
            phaseSinceMillis = s.phaseSinceMillis;
            eventSeq = s.eventSeq;
            pendingEdit = s.pendingEdit;
            maintenanceRunId = s.maintenanceRunId;
            heartbeatTimeoutMillis = s.heartbeatTimeoutMillis;
        }
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
