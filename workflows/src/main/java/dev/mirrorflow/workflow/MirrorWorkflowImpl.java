package dev.mirrorflow.workflow;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.EditRequest;
import dev.mirrorflow.model.EditResult;
import dev.mirrorflow.model.LoadRequest;
import dev.mirrorflow.model.LoadResult;
import dev.mirrorflow.model.MirrorOutcomeRecord;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.MirrorStatus;
import dev.mirrorflow.model.Phase;
import dev.mirrorflow.model.PhaseChange;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SpecEdit;
import dev.mirrorflow.model.SignalNote;
import dev.mirrorflow.model.StreamRequest;
import dev.mirrorflow.model.TeardownRequest;
import dev.mirrorflow.workflow.activity.MirrorActivities;
import dev.mirrorflow.workflow.activity.MirrorCatalogActivities;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The mirror's lifecycle as a loop over its state: serve what signals asked for (terminate,
 * resync, pause), else do the next thing not done yet (setup, initial load, change stream).
 * Long activities run in a cancellation scope that a signal cancels; they stop at a partition
 * or batch boundary and the loop decides what comes next. Every phase change is written to the
 * catalog before the workflow moves on.
 */
public final class MirrorWorkflowImpl implements MirrorWorkflow {

    private static final Logger log = Workflow.getLogger(MirrorWorkflowImpl.class);

    /**
     * How long a dead worker's load or stream waits before another worker takes it over, by default.
     * Workers heartbeat their long activities every second, so eight seconds is many missed beats,
     * and a killed worker's stream goes on elsewhere within about eleven seconds (this, the retry
     * policy's first second, and the start on the other worker).
     */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(8);

    /** The default before {@link #SHORTER_DEFAULT_HEARTBEAT_TIMEOUT}, kept for the runs that recorded it. */
    static final Duration SIXTY_SECOND_HEARTBEAT_TIMEOUT = Duration.ofSeconds(60);

    /**
     * The version of the run loop under which a state without its own heartbeat timeout gets
     * {@link #DEFAULT_HEARTBEAT_TIMEOUT}; runs recorded before it keep 60 s, as they scheduled.
     */
    static final String SHORTER_DEFAULT_HEARTBEAT_TIMEOUT = "shorter-default-heartbeat-timeout";

    /** Error types activities use for problems a user must fix; never retried. */
    public static final String[] NON_RETRYABLE = FailureTypes.NEVER_RETRIED.toArray(String[]::new);

    private final MirrorCatalogActivities catalog = Workflow.newActivityStub(MirrorCatalogActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    // The catalog is the record of truth: keep trying, however long it is away.
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setInitialInterval(Duration.ofSeconds(1))
                            .setMaximumInterval(Duration.ofMinutes(1))
                            .build())
                    .build());

    /**
     * The version of the run loop under which a run that stopped its stream, or applied a spec
     * edit, while a resync was asked for serves the resync itself instead of continuing as new
     * first, so that {@link #startResync} returns from the run that accepted it. Runs recorded
     * before it continue as new, as they did.
     */
    static final String RESYNC_IN_THE_STOPPED_RUN = "resync-in-the-stopped-run";

    private final String name;
    /** Everything the mirror carries from run to run; signals change it, the loop acts on it. */
    private MirrorState state;
    /** A user paused a mirror a maintenance window had paused; the catalog hears of it next. */
    private boolean pauseReasonChanged;
    /** Set while the edit itself runs, which a pending edit must not stop. */
    private boolean applyingEdit;

    /** The data path's activities, with the retry and heartbeat settings of the state. */
    private MirrorActivities data;

    /** Set while a long activity runs and a signal may need to stop it. */
    private CancellationScope running;
    private boolean configChanged;
    /** How many resyncs this run has taken up, for {@link #startResync} to wait on. */
    private int resyncsTakenUp;
    /** The load generation the last resync this run took up loads. */
    private int resyncGeneration;
    /** Set when the run continues as new: an update waiting for its resync may return then. */
    private boolean continuingAsNew;
    /**
     * Set when this run ends the mirror (dropped or FAILED). Not the carried phase: a new run of
     * a FAILED mirror starts in phase FAILED, and it takes a resync up.
     */
    private boolean ending;

    /**
     * Signals refused while the mirror is paused for maintenance, not yet written to its
     * history. They are written before the run continues as new, so none is lost.
     */
    private final java.util.List<String> refusedSignals = new java.util.ArrayList<>();

    /**
     * Restores the state before any signal handler runs: a signal that arrives with the run's
     * first workflow task (a drop right after create) is handled before {@link #run} starts, and
     * restoring there would overwrite what it asked for.
     */
    @WorkflowInit
    public MirrorWorkflowImpl(MirrorRef ref) {
        name = ref.name();
        MirrorState carried = ref.state();
        state = carried.retry() == null ? carried.withRetry(RetrySettings.DEFAULT) : carried;
    }

    @Override
    public MirrorState run(MirrorRef ref) {
        data = dataActivities();
        try {
            while (true) {
                if (state.terminateRequested()) {
                    return terminate();
                }
                // Before a resync, so that the reload copies the edited tables; after a pause,
                // which the edit waits for.
                if (state.pendingEdit() != null && state.pauseReason() == null) {
                    if (applyEdit()) {
                        // A resync asked for meanwhile is taken up by this run, with activities
                        // of the edited settings, so that whoever asked learns from it that the
                        // resync began; else a fresh run takes the new settings up.
                        if (state.resyncRequested() && resyncInTheStoppedRun()) {
                            data = dataActivities();
                            continue;
                        }
                        continueAsNew();
                    }
                    continue;
                }
                if (state.resyncRequested()) {
                    state = state.withResyncRequested(false);
                    record(Phase.SETUP, RESYNC_REASON, null);
                    resyncGeneration = state.loadGeneration() + 1;
                    resyncsTakenUp++;
                    data.resetForResync(new LoadRequest(name, state.loadGeneration() + 1));
                    state = state.withNextLoadGeneration();
                    continue;
                }
                if (state.pauseReason() != null) {
                    waitWhilePaused();
                    continue;
                }
                if (!state.setupDone()) {
                    record(Phase.SETUP, "validating and preparing source and destination", null);
                    // Run first, then read the state: signals that arrived meanwhile changed it.
                    boolean setUp = runStoppable(() -> {
                        data.setUp(name);
                        return Boolean.TRUE;
                    }) != null;
                    state = state.withSetupDone(setUp);
                    continue;
                }
                if (!state.loadDone()) {
                    record(Phase.SNAPSHOT, "initial load (generation " + state.loadGeneration() + ")", null);
                    int generation = state.loadGeneration();
                    LoadResult result = runStoppable(() -> data.load(new LoadRequest(name, generation)));
                    state = state.withLoadDone(result != null && result.complete());
                    continue;
                }
                record(Phase.RUNNING, "streaming changes", null);
                StreamRequest stream = new StreamRequest(name, state.loadGeneration(), state.batchSize(),
                        state.idleTimeoutMillis());
                runStoppable(() -> {
                    data.stream(stream);
                    return Boolean.TRUE;
                });
                // The stream returned (pause, terminate, resync, new settings): a fresh run keeps
                // the history short. Everything signals set travels in the state.
                configChanged = false;
                recordRefusedSignals();
                // A resync is served here, so that whoever asked for it learns from this run that
                // it began; the run continues as new after the reload, when it streams again.
                if (state.resyncRequested() && !state.terminateRequested() && resyncInTheStoppedRun()) {
                    continue;
                }
                continueAsNew();
            }
        } catch (ActivityFailure e) {
            return fail(e);
        }
    }

    /** Whether this run serves a resync it stopped for itself (see {@link #RESYNC_IN_THE_STOPPED_RUN}). */
    private static boolean resyncInTheStoppedRun() {
        return Workflow.getVersion(RESYNC_IN_THE_STOPPED_RUN, Workflow.DEFAULT_VERSION, 1) == 1;
    }

    /**
     * Continues as new with the state, once every update handler has finished: one waiting for
     * its resync returns now, as the request travels in the state and the next run serves it
     * before anything else but a drop or a spec edit.
     */
    private void continueAsNew() {
        continuingAsNew = true;
        Workflow.await(Workflow::isEveryHandlerFinished);
        Workflow.continueAsNew(new MirrorRef(name, state));
    }

    /**
     * Runs a long activity so that a signal can stop it: pause, terminate, resync and (for the
     * stream) new settings cancel it, and it stops at its next boundary. Returns the activity's
     * result, or null when it was stopped before it returned one.
     */
    private <R> R runStoppable(Functions.Func<R> call) {
        Promise<R>[] promise = newPromiseHolder();
        running = Workflow.newCancellationScope(() -> promise[0] = Async.function(call));
        running.run();
        Workflow.await(() -> promise[0].isCompleted() || stopRequested());
        boolean stopping = !promise[0].isCompleted();
        if (stopping) {
            if (state.pauseReason() != null && !state.terminateRequested() && !state.resyncRequested()) {
                record(Phase.PAUSING, state.pauseReason(), null);
            }
            running.cancel("stop requested");
        }
        try {
            return promise[0].get();
        } catch (ActivityFailure e) {
            if (e.getCause() instanceof CanceledFailure) {
                return null;
            }
            // An attempt that failed while it was being stopped (a source that went away just as
            // the mirror was dropped) is not retried once cancelled. A failure that would have been
            // retried is only the stop arriving mid-attempt, and a drop goes on whatever failed.
            if (stopping && (state.terminateRequested() || wouldRetry(e))) {
                log.info("mirror {}: the stopped activity failed meanwhile: {}", name, message(e));
                return null;
            }
            throw e;
        } catch (CanceledFailure e) {
            return null;
        } finally {
            running = null;
        }
    }

    /**
     * Applies the pending spec edit; returns whether it was applied. The added tables are loaded
     * here only when the mirror has loaded its own and no resync follows; otherwise the coming
     * load copies them. Once applied, the state has the new settings, which activities take up
     * from a new stub (the retry policy is their options).
     */
    private boolean applyEdit() {
        SpecEdit edit = state.pendingEdit();
        int generation = state.loadGeneration();
        boolean loadAdded = state.loadDone() && !state.resyncRequested() && edit.loadsRows();
        if (loadAdded) {
            record(Phase.SNAPSHOT, EDIT_LOAD_REASON + String.join(", ", edit.addedTables()), null);
        }
        EditResult result;
        if (loadAdded) {
            applyingEdit = true;
            try {
                result = runStoppable(() -> data.applyEdit(new EditRequest(name, generation, true)));
            } finally {
                applyingEdit = false;
            }
        } else {
            // Without rows to copy the edit is quick, and nothing stops it: a resync or new
            // settings that arrive meanwhile must not cancel it, or the loop would try it again
            // and again without waiting for anything.
            result = data.applyEdit(new EditRequest(name, generation, false));
        }
        if (result == null || !result.applied()) {
            // Stopped at a partition boundary by a pause, resync or drop: the loop serves that
            // (a resync next, with the edit applied first without a load of its own), and the
            // edit goes on afterwards from the start.
            return false;
        }
        log.info("mirror {}: spec edit applied: {}", name, edit.description());
        state = state.withEditApplied(edit);
        configChanged = false;
        return true;
    }

    /**
     * Whether the retry policy would have tried the activity again, had it not been stopped. A
     * heartbeat timeout is what a stop meets when the activity's worker was killed: the activity
     * cannot hear the cancellation, and the server ends it once its heartbeat is overdue.
     */
    private static boolean wouldRetry(ActivityFailure e) {
        if (e.getCause() instanceof TimeoutFailure) {
            return true;
        }
        return e.getCause() instanceof ApplicationFailure a && !a.isNonRetryable()
                && !java.util.List.of(NON_RETRYABLE).contains(a.getType());
    }

    @SuppressWarnings("unchecked")
    private static <R> Promise<R>[] newPromiseHolder() {
        return (Promise<R>[]) new Promise[1];
    }

    private boolean stopRequested() {
        return state.pauseReason() != null || state.terminateRequested() || state.resyncRequested() || configChanged
                || (state.pendingEdit() != null && !applyingEdit);
    }

    private void waitWhilePaused() {
        record(Phase.PAUSED, state.pauseReason(), null);
        while (true) {
            Workflow.await(() -> state.resumeRequested() || state.terminateRequested() || state.resyncRequested()
                    || !refusedSignals.isEmpty() || pauseReasonChanged);
            recordRefusedSignals();
            if (pauseReasonChanged) {
                pauseReasonChanged = false;
                record(Phase.PAUSED, state.pauseReason(), null);
            }
            if (state.resumeRequested() || state.terminateRequested() || state.resyncRequested()) {
                break;
            }
        }
        boolean resumed = state.resumeRequested();
        // Terminate and resync are served by the loop; the pause ends with them.
        state = state.withPauseReason(null);
        if (resumed) {
            log.info("mirror {} resumed", name);
            // A pause can last long; the resumed mirror starts a fresh history.
            continueAsNew();
        }
    }

    /**
     * Tears the mirror down and records it dropped. A teardown that still fails after its few
     * attempts (the source unreachable, the slot held by another process) does not keep the
     * mirror alive: its message, which names what was left behind and how to drop it by hand,
     * becomes the outcome's error.
     */
    private MirrorState terminate() {
        String leftBehind = null;
        try {
            teardownActivities().tearDown(new TeardownRequest(name, state.dropDestination()));
        } catch (ActivityFailure e) {
            leftBehind = message(e);
            log.warn("mirror {} dropped with something left behind: {}", name, leftBehind);
        }
        state = state.withEnd(Phase.TERMINATED, state.lastError());
        ending = true;
        catalog.recordOutcome(new MirrorOutcomeRecord(name, Workflow.getInfo().getRunId(), Phase.TERMINATED,
                leftBehind, true));
        return state;
    }

    private MirrorState fail(ActivityFailure e) {
        String error = message(e);
        log.warn("mirror {} failed: {}", name, error);
        state = state.withEnd(Phase.FAILED, error);
        ending = true;
        catalog.recordOutcome(new MirrorOutcomeRecord(name, Workflow.getInfo().getRunId(), Phase.FAILED,
                error, false));
        return state;
    }

    /** The innermost message: what the activity said, not Temporal's wrapping. */
    private static String message(TemporalFailure e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ApplicationFailure a) {
            return a.getOriginalMessage();
        }
        return t.getMessage();
    }

    private void record(Phase next, String reason, String error) {
        state = state.withPhaseRecorded(next, Workflow.currentTimeMillis());
        catalog.recordPhase(new PhaseChange(name, next, reason, error, "phase-" + state.eventSeq()));
    }

    private static RetryOptions retryOptions(RetrySettings retry) {
        return RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofMillis(retry.initialIntervalMillis()))
                .setBackoffCoefficient(retry.backoffCoefficient())
                .setMaximumInterval(Duration.ofMillis(retry.maximumIntervalMillis()))
                .setMaximumAttempts(retry.maximumAttempts())
                .setDoNotRetry(NON_RETRYABLE)
                .build();
    }

    private MirrorActivities dataActivities() {
        RetryOptions retryOptions = retryOptions(state.retry());
        long heartbeatTimeoutMillis = state.heartbeatTimeoutMillis();
        return Workflow.newActivityStub(MirrorActivities.class, ActivityOptions.newBuilder()
                // Loads and streams run for as long as the mirror lives; the heartbeat timeout
                // is what notices a dead worker and moves the work to another one.
                .setStartToCloseTimeout(Duration.ofDays(3650))
                .setHeartbeatTimeout(heartbeatTimeoutMillis > 0 ? Duration.ofMillis(heartbeatTimeoutMillis)
                        : defaultHeartbeatTimeout())
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(retryOptions)
                .build());
    }

    private static Duration defaultHeartbeatTimeout() {
        return Workflow.getVersion(SHORTER_DEFAULT_HEARTBEAT_TIMEOUT, Workflow.DEFAULT_VERSION, 1) == 1
                ? DEFAULT_HEARTBEAT_TIMEOUT : SIXTY_SECOND_HEARTBEAT_TIMEOUT;
    }

    /** Teardown is bounded by {@link TeardownRequest#RETRY}, unlike the data path. */
    private MirrorActivities teardownActivities() {
        return Workflow.newActivityStub(MirrorActivities.class, ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1))
                .setRetryOptions(retryOptions(TeardownRequest.RETRY))
                .build());
    }

    @Override
    public void pause(String reason) {
        if (ended()) {
            return;
        }
        // A mirror a user has paused already stays theirs: a maintenance window leaves it as it
        // is, and its end does not resume it.
        if (state.pauseReason() != null && reason != null
                && reason.startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX)) {
            return;
        }
        boolean heldByMaintenance = pausedByAMaintenanceWindow();
        state = state.withPauseReason(reason == null || reason.isBlank() ? "paused by request" : reason);
        // Paused by a window, and now by its user too: it stays paused after the window, and the
        // catalog must say so before the window ends, so that its end skips it.
        pauseReasonChanged = heldByMaintenance;
    }

    @Override
    public void resume() {
        if (pausedForMaintenance()) {
            refuse("resume");
            return;
        }
        if (state.pauseReason() != null) {
            state = state.withResumeRequested();
        }
    }

    @Override
    public void terminate(boolean dropDestination) {
        state = state.withTerminateRequested(dropDestination);
    }

    @Override
    public void resync() {
        if (pausedForMaintenance()) {
            refuse("resync");
            return;
        }
        state = state.withResyncRequested(true);
    }

    @Override
    public void validateStartResync() {
        String refusal = resyncRefusal();
        if (refusal != null) {
            throw ApplicationFailure.newNonRetryableFailure(refusal, RESYNC_REFUSED);
        }
    }

    /** Why a resync cannot be taken up now, in one line that says what to do; null when it can. */
    private String resyncRefusal() {
        if (ending) {
            return "mirror " + name + " has ended (" + state.phase() + "); see mirrorflow mirror status " + name;
        }
        if (state.terminateRequested()) {
            return "mirror " + name + " is being dropped, so it cannot be resynced";
        }
        if (pausedForMaintenance()) {
            return "resync of mirror " + name + " refused: " + maintenanceHold()
                    + "; run mirrorflow maintenance end first";
        }
        return null;
    }

    @Override
    public int startResync() {
        int takenUpBefore = resyncsTakenUp;
        state = state.withResyncRequested(true);
        Workflow.await(() -> resyncsTakenUp > takenUpBefore || continuingAsNew || ending);
        if (resyncsTakenUp > takenUpBefore) {
            return resyncGeneration;
        }
        if (continuingAsNew) {
            // The next run resets and loads as the generation after this run's.
            return state.loadGeneration() + 1;
        }
        throw ApplicationFailure.newNonRetryableFailure(state.phase() == Phase.FAILED
                ? "mirror " + name + " failed before the resync began: " + state.lastError()
                : "mirror " + name + " was dropped before the resync began", RESYNC_REFUSED);
    }

    private boolean ended() {
        return state.phase() != null && state.phase().isTerminal();
    }

    @Override
    public void holdForMaintenance(long maintenanceRunId) {
        state = state.withMaintenanceRunId(maintenanceRunId);
    }

    @Override
    public void resumeAfterMaintenance(long maintenanceRunId) {
        if (state.maintenanceRunId() == maintenanceRunId) {
            state = state.withMaintenanceRunId(0);
        }
        if (MirrorWorkflow.maintenancePauseReason(maintenanceRunId).equals(state.pauseReason())) {
            state = state.withResumeRequested();
        } else {
            log.info("mirror {}: not resumed after maintenance {}: {}", name, maintenanceRunId,
                    state.pauseReason() == null ? "not paused" : state.pauseReason());
        }
    }

    /**
     * A mirror paused by a maintenance window stays paused until that window ends: resume,
     * resync and new settings sent some other way (the temporal CLI, a script) are refused and
     * the refusal is written to the mirror's history.
     */
    private boolean pausedForMaintenance() {
        return state.maintenanceRunId() != 0 || pausedByAMaintenanceWindow();
    }

    private boolean pausedByAMaintenanceWindow() {
        return state.pauseReason() != null && state.pauseReason().startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX);
    }

    /** What holds a mirror {@link #pausedForMaintenance}, for messages. */
    private String maintenanceHold() {
        return pausedByAMaintenanceWindow() ? "the mirror is " + state.pauseReason()
                : "mirrorflow is in maintenance " + state.maintenanceRunId();
    }

    private void refuse(String signal) {
        String why = maintenanceHold();
        log.info("mirror {}: {} refused: {}", name, signal, why);
        refusedSignals.add(signal + " refused: " + why + "; run mirrorflow maintenance end first");
    }

    private void recordRefusedSignals() {
        while (!refusedSignals.isEmpty()) {
            String text = refusedSignals.remove(0);
            state = state.withNextEvent();
            catalog.recordSignal(new SignalNote(name, text, "signal-" + state.eventSeq()));
        }
    }

    @Override
    public void updateConfig(ConfigUpdate update) {
        if (pausedForMaintenance()) {
            refuse("updateConfig");
            return;
        }
        if (update.batchSize() != null) {
            if (update.batchSize() < 1 || update.batchSize() > 1_000_000) {
                log.warn("mirror {}: ignoring batch size {} outside 1..1000000", name, update.batchSize());
            } else {
                state = state.withBatchSize(update.batchSize());
                configChanged = true;
            }
        }
        if (update.idleTimeoutMillis() != null) {
            if (update.idleTimeoutMillis() < 100 || update.idleTimeoutMillis() > 600_000) {
                log.warn("mirror {}: ignoring idle timeout {}ms outside 100ms..10m", name, update.idleTimeoutMillis());
            } else {
                state = state.withIdleTimeout(update.idleTimeoutMillis());
                configChanged = true;
            }
        }
        // Only a running stream has to restart to pick up new settings.
        if (state.phase() != Phase.RUNNING) {
            configChanged = false;
        }
    }

    @Override
    public void editSpec(SpecEdit edit) {
        if (ended()) {
            return;
        }
        if (pausedForMaintenance()) {
            refuse("editSpec");
            return;
        }
        // An edit back to the spec the mirror runs with withdraws the one waiting.
        state = state.withPendingEdit(edit.isEmpty() ? null : edit);
    }

    @Override
    public MirrorStatus status() {
        return new MirrorStatus(name, state.phase(), state.phaseSinceMillis(), state.pauseReason(),
                state.loadGeneration(), state.loadDone(), state.lastError(), state.batchSize(),
                state.idleTimeoutMillis());
    }
}
