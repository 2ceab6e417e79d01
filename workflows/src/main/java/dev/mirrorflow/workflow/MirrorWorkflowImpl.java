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

    /** How long a dead worker's load or stream waits before another worker takes it over, by default. */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(60);

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

    private String name;
    private Phase phase;
    private int loadGeneration;
    private boolean setupDone;
    private boolean loadDone;
    private String pauseReason;
    private boolean resumeRequested;
    private boolean terminateRequested;
    private boolean dropDestination;
    private boolean resyncRequested;
    private int batchSize;
    private long idleTimeoutMillis;
    private RetrySettings retry;
    private String lastError;
    private long phaseSinceMillis;
    private long eventSeq;
    private SpecEdit pendingEdit;
    private long maintenanceRunId;
    private long heartbeatTimeoutMillis;
    /** A user paused a mirror a maintenance window had paused; the catalog hears of it next. */
    private boolean pauseReasonChanged;
    /** Set while the edit itself runs, which a pending edit must not stop. */
    private boolean applyingEdit;

    /** Set while a long activity runs and a signal may need to stop it. */
    private CancellationScope running;
    private boolean configChanged;

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
        restore(ref);
    }

    @Override
    public Phase run(MirrorRef ref) {
        MirrorActivities data = dataActivities();
        try {
            while (true) {
                if (terminateRequested) {
                    return terminate();
                }
                // Before a resync, so that the reload copies the edited tables; after a pause,
                // which the edit waits for.
                if (pendingEdit != null && pauseReason == null) {
                    applyEdit(data);
                    continue;
                }
                if (resyncRequested) {
                    resyncRequested = false;
                    record(Phase.SETUP, RESYNC_REASON, null);
                    data.resetForResync(new LoadRequest(name, loadGeneration + 1));
                    loadGeneration++;
                    setupDone = false;
                    loadDone = false;
                    continue;
                }
                if (pauseReason != null) {
                    waitWhilePaused();
                    continue;
                }
                if (!setupDone) {
                    record(Phase.SETUP, "validating and preparing source and destination", null);
                    setupDone = runStoppable(() -> {
                        data.setUp(name);
                        return Boolean.TRUE;
                    }) != null;
                    continue;
                }
                if (!loadDone) {
                    record(Phase.SNAPSHOT, "initial load (generation " + loadGeneration + ")", null);
                    LoadResult result = runStoppable(() -> data.load(new LoadRequest(name, loadGeneration)));
                    loadDone = result != null && result.complete();
                    continue;
                }
                record(Phase.RUNNING, "streaming changes", null);
                runStoppable(() -> {
                    data.stream(new StreamRequest(name, loadGeneration, batchSize, idleTimeoutMillis));
                    return Boolean.TRUE;
                });
                // The stream returned (pause, terminate, resync, new settings): a fresh run keeps
                // the history short. Everything signals set travels in the state.
                configChanged = false;
                recordRefusedSignals();
                Workflow.continueAsNew(new MirrorRef(name, snapshot()));
            }
        } catch (ActivityFailure e) {
            return fail(e);
        }
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
            if (pauseReason != null && !terminateRequested && !resyncRequested) {
                record(Phase.PAUSING, pauseReason, null);
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
            if (stopping && (terminateRequested || wouldRetry(e))) {
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
     * Applies the pending spec edit. The added tables are loaded here only when the mirror has
     * loaded its own and no resync follows; otherwise the coming load copies them. Once applied,
     * a fresh run takes the new settings up (the retry policy is its activities' options).
     */
    private void applyEdit(MirrorActivities data) {
        SpecEdit edit = pendingEdit;
        boolean loadAdded = loadDone && !resyncRequested && edit.loadsRows();
        if (loadAdded) {
            record(Phase.SNAPSHOT, EDIT_LOAD_REASON + String.join(", ", edit.addedTables()), null);
        }
        EditResult result;
        if (loadAdded) {
            applyingEdit = true;
            try {
                result = runStoppable(() -> data.applyEdit(new EditRequest(name, loadGeneration, true)));
            } finally {
                applyingEdit = false;
            }
        } else {
            // Without rows to copy the edit is quick, and nothing stops it: a resync or new
            // settings that arrive meanwhile must not cancel it, or the loop would try it again
            // and again without waiting for anything.
            result = data.applyEdit(new EditRequest(name, loadGeneration, false));
        }
        if (result == null || !result.applied()) {
            // Stopped at a partition boundary by a pause, resync or drop: the loop serves that
            // (a resync next, with the edit applied first without a load of its own), and the
            // edit goes on afterwards from the start.
            return;
        }
        log.info("mirror {}: spec edit applied: {}", name, edit.description());
        batchSize = edit.batchSize();
        idleTimeoutMillis = edit.idleTimeoutMillis();
        retry = edit.retry();
        pendingEdit = null;
        configChanged = false;
        Workflow.continueAsNew(new MirrorRef(name, snapshot()));
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
        return pauseReason != null || terminateRequested || resyncRequested || configChanged
                || (pendingEdit != null && !applyingEdit);
    }

    private void waitWhilePaused() {
        record(Phase.PAUSED, pauseReason, null);
        while (true) {
            Workflow.await(() -> resumeRequested || terminateRequested || resyncRequested
                    || !refusedSignals.isEmpty() || pauseReasonChanged);
            recordRefusedSignals();
            if (pauseReasonChanged) {
                pauseReasonChanged = false;
                record(Phase.PAUSED, pauseReason, null);
            }
            if (resumeRequested || terminateRequested || resyncRequested) {
                break;
            }
        }
        if (resumeRequested) {
            log.info("mirror {} resumed", name);
            resumeRequested = false;
            pauseReason = null;
            // A pause can last long; the resumed mirror starts a fresh history.
            Workflow.continueAsNew(new MirrorRef(name, snapshot()));
        }
        // Terminate and resync are served by the loop; the pause ends with them.
        pauseReason = null;
        resumeRequested = false;
    }

    /**
     * Tears the mirror down and records it dropped. A teardown that still fails after its few
     * attempts (the source unreachable, the slot held by another process) does not keep the
     * mirror alive: its message, which names what was left behind and how to drop it by hand,
     * becomes the outcome's error.
     */
    private Phase terminate() {
        String leftBehind = null;
        try {
            teardownActivities().tearDown(new TeardownRequest(name, dropDestination));
        } catch (ActivityFailure e) {
            leftBehind = message(e);
            log.warn("mirror {} dropped with something left behind: {}", name, leftBehind);
        }
        phase = Phase.TERMINATED;
        catalog.recordOutcome(new MirrorOutcomeRecord(name, Workflow.getInfo().getRunId(), Phase.TERMINATED,
                leftBehind, true));
        return Phase.TERMINATED;
    }

    private Phase fail(ActivityFailure e) {
        lastError = message(e);
        log.warn("mirror {} failed: {}", name, lastError);
        phase = Phase.FAILED;
        catalog.recordOutcome(new MirrorOutcomeRecord(name, Workflow.getInfo().getRunId(), Phase.FAILED,
                lastError, false));
        return Phase.FAILED;
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
        phase = next;
        phaseSinceMillis = Workflow.currentTimeMillis();
        eventSeq++;
        catalog.recordPhase(new PhaseChange(name, next, reason, error, "phase-" + eventSeq));
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
        RetryOptions retryOptions = retryOptions(retry);
        return Workflow.newActivityStub(MirrorActivities.class, ActivityOptions.newBuilder()
                // Loads and streams run for as long as the mirror lives; the heartbeat timeout
                // is what notices a dead worker and moves the work to another one.
                .setStartToCloseTimeout(Duration.ofDays(3650))
                .setHeartbeatTimeout(heartbeatTimeoutMillis > 0 ? Duration.ofMillis(heartbeatTimeoutMillis)
                        : DEFAULT_HEARTBEAT_TIMEOUT)
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setRetryOptions(retryOptions)
                .build());
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
        if (phase != null && phase.isTerminal()) {
            return;
        }
        // A mirror a user has paused already stays theirs: a maintenance window leaves it as it
        // is, and its end does not resume it.
        if (pauseReason != null && reason != null && reason.startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX)) {
            return;
        }
        boolean heldByMaintenance = pauseReason != null
                && pauseReason.startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX);
        pauseReason = reason == null || reason.isBlank() ? "paused by request" : reason;
        resumeRequested = false;
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
        if (pauseReason != null) {
            resumeRequested = true;
        }
    }

    @Override
    public void terminate(boolean dropDestination) {
        terminateRequested = true;
        this.dropDestination = this.dropDestination || dropDestination;
    }

    @Override
    public void resync() {
        if (pausedForMaintenance()) {
            refuse("resync");
            return;
        }
        resyncRequested = true;
    }

    @Override
    public void holdForMaintenance(long maintenanceRunId) {
        this.maintenanceRunId = maintenanceRunId;
    }

    @Override
    public void resumeAfterMaintenance(long maintenanceRunId) {
        if (this.maintenanceRunId == maintenanceRunId) {
            this.maintenanceRunId = 0;
        }
        if (MirrorWorkflow.maintenancePauseReason(maintenanceRunId).equals(pauseReason)) {
            resumeRequested = true;
        } else {
            log.info("mirror {}: not resumed after maintenance {}: {}", name, maintenanceRunId,
                    pauseReason == null ? "not paused" : pauseReason);
        }
    }

    /**
     * A mirror paused by a maintenance window stays paused until that window ends: resume,
     * resync and new settings sent some other way (the temporal CLI, a script) are refused and
     * the refusal is written to the mirror's history.
     */
    private boolean pausedForMaintenance() {
        return maintenanceRunId != 0
                || (pauseReason != null && pauseReason.startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX));
    }

    private void refuse(String signal) {
        String why = pauseReason != null && pauseReason.startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX)
                ? "the mirror is " + pauseReason : "mirrorflow is in maintenance " + maintenanceRunId;
        log.info("mirror {}: {} refused: {}", name, signal, why);
        refusedSignals.add(signal + " refused: " + why + "; run mirrorflow maintenance end first");
    }

    private void recordRefusedSignals() {
        while (!refusedSignals.isEmpty()) {
            String text = refusedSignals.remove(0);
            eventSeq++;
            catalog.recordSignal(new SignalNote(name, text, "signal-" + eventSeq));
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
                batchSize = update.batchSize();
                configChanged = true;
            }
        }
        if (update.idleTimeoutMillis() != null) {
            if (update.idleTimeoutMillis() < 100 || update.idleTimeoutMillis() > 600_000) {
                log.warn("mirror {}: ignoring idle timeout {}ms outside 100ms..10m", name, update.idleTimeoutMillis());
            } else {
                idleTimeoutMillis = update.idleTimeoutMillis();
                configChanged = true;
            }
        }
        // Only a running stream has to restart to pick up new settings.
        if (phase != Phase.RUNNING) {
            configChanged = false;
        }
    }

    @Override
    public void editSpec(SpecEdit edit) {
        if (phase != null && phase.isTerminal()) {
            return;
        }
        if (pausedForMaintenance()) {
            refuse("editSpec");
            return;
        }
        // An edit back to the spec the mirror runs with withdraws the one waiting.
        pendingEdit = edit.isEmpty() ? null : edit;
    }

    @Override
    public MirrorStatus status() {
        return new MirrorStatus(name, phase, phaseSinceMillis, pauseReason, loadGeneration, loadDone, lastError,
                batchSize, idleTimeoutMillis);
    }

    private void restore(MirrorRef ref) {
        MirrorState s = ref.state();
        name = ref.name();
        phase = s.phase();
        loadGeneration = s.loadGeneration();
        setupDone = s.setupDone();
        loadDone = s.loadDone();
        pauseReason = s.pauseReason();
        resumeRequested = s.resumeRequested();
        terminateRequested = s.terminateRequested();
        dropDestination = s.dropDestination();
        resyncRequested = s.resyncRequested();
        batchSize = s.batchSize();
        idleTimeoutMillis = s.idleTimeoutMillis();
        retry = s.retry() == null ? RetrySettings.DEFAULT : s.retry();
        lastError = s.lastError();
        phaseSinceMillis = s.phaseSinceMillis();
        eventSeq = s.eventSeq();
        pendingEdit = s.pendingEdit();
        maintenanceRunId = s.maintenanceRunId();
        heartbeatTimeoutMillis = s.heartbeatTimeoutMillis();
    }

    private MirrorState snapshot() {
        return new MirrorState(phase, loadGeneration, setupDone, loadDone, pauseReason, resumeRequested,
                terminateRequested, dropDestination, resyncRequested, batchSize, idleTimeoutMillis, retry, lastError,
                phaseSinceMillis, eventSeq, pendingEdit, maintenanceRunId, heartbeatTimeoutMillis);
    }
}
