package dev.mirrorflow.workflow;

import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MaintenanceSignals;
import dev.mirrorflow.model.MaintenanceStatus;
import dev.mirrorflow.workflow.activity.MaintenanceActivities;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Opens the window in the catalog (which sets the flag that refuses new and resumed mirrors),
 * records the active mirrors, pauses them all at once with the window's pause reason, waits
 * until none is still pausing, then waits for `end`; at `end` it resumes the recorded mirrors
 * still paused by this window and closes it. The catalog is the record of every step, so a
 * worker killed at any point leaves a window the next worker completes; the mirrors are
 * signalled from the workflow, so no signal is sent twice.
 */
public final class MaintenanceWorkflowImpl implements MaintenanceWorkflow {

    private static final Logger log = Workflow.getLogger(MaintenanceWorkflowImpl.class);

    /** The catalog is the record of truth: keep trying, however long it is away. */
    private static final RetryOptions KEEP_TRYING = RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setMaximumInterval(Duration.ofMinutes(1))
            .build();

    private final MaintenanceActivities catalog = Workflow.newActivityStub(MaintenanceActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(KEEP_TRYING)
                    .build());

    /** The wait for the mirrors to pause lasts as long as their slowest partition or batch. */
    private final MaintenanceActivities waiting = Workflow.newActivityStub(MaintenanceActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofDays(3650))
                    .setHeartbeatTimeout(Duration.ofSeconds(30))
                    .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                    .setRetryOptions(KEEP_TRYING)
                    .build());

    /** The change id of holding the mirrors a window does not pause (see {@link Workflow#getVersion}). */
    static final String HOLD_UNRECORDED = "hold-unrecorded-mirrors";

    private long runId;
    private String stage = "opening";
    private List<String> mirrors = List.of();
    private boolean endRequested;

    @Override
    public long run(MaintenanceRequest request) {
        runId = catalog.open(request);
        // Windows opened before mirrors the window does not pause were held recorded no such step.
        boolean holdsTheOthers = Workflow.getVersion(HOLD_UNRECORDED, Workflow.DEFAULT_VERSION, 1) == 1;
        if (!request.endAtOnce()) {
            stage = "recording";
            mirrors = catalog.recordActive(runId);
            stage = "pausing";
            String reason = MirrorWorkflow.maintenancePauseReason(runId);
            long id = runId;
            if (holdsTheOthers) {
                // A mirror its user paused stays as it is, and nothing sent past the CLI resumes it.
                signalEach(catalog.unrecorded(runId), mirror -> mirror.holdForMaintenance(id));
            }
            List<String> notRunning = signalEach(mirrors, mirror -> mirror.pause(reason));
            awaitPausedOrEnd(new MaintenanceSignals(runId, mirrors, notRunning));
            stage = "on";
            Workflow.await(() -> endRequested);
        }
        stage = "ending";
        List<String> toResume = catalog.selectToResume(runId);
        long id = runId;
        List<String> notRunning = signalEach(toResume, mirror -> mirror.resumeAfterMaintenance(id));
        List<String> resumed = new ArrayList<>(toResume);
        resumed.removeAll(notRunning);
        if (holdsTheOthers) {
            // Also after a window taken over from a lost workflow: whatever it held is let go.
            List<String> held = new ArrayList<>(catalog.unrecorded(runId));
            held.removeAll(toResume);
            signalEach(held, mirror -> mirror.resumeAfterMaintenance(id));
        }
        catalog.close(new MaintenanceSignals(runId, resumed, notRunning));
        stage = "ended";
        log.info("maintenance {} ended: {} mirrors resumed", runId, resumed.size());
        return runId;
    }

    /**
     * Waits until no recorded mirror is still pausing; an `end` that comes first stops the
     * wait, and the mirrors still on their way to PAUSED are resumed with the others.
     */
    private void awaitPausedOrEnd(MaintenanceSignals paused) {
        Promise<Void>[] promise = newPromiseHolder();
        CancellationScope scope = Workflow.newCancellationScope(
                () -> promise[0] = Async.procedure(waiting::awaitPaused, paused));
        scope.run();
        Workflow.await(() -> promise[0].isCompleted() || endRequested);
        if (promise[0].isCompleted()) {
            promise[0].get();
            return;
        }
        scope.cancel("maintenance end requested");
        try {
            promise[0].get();
        } catch (ActivityFailure | CanceledFailure e) {
            log.info("maintenance {}: end requested before every mirror had paused", runId);
        }
    }

    /**
     * Sends one signal to each mirror's workflow, all at once, and returns the mirrors whose
     * workflow was not there to take it.
     */
    private static List<String> signalEach(List<String> names, Functions.Proc1<MirrorWorkflow> signal) {
        List<Promise<Void>> sent = new ArrayList<>();
        for (String name : names) {
            MirrorWorkflow mirror = Workflow.newExternalWorkflowStub(MirrorWorkflow.class,
                    MirrorWorkflow.workflowId(name));
            sent.add(Async.procedure(() -> signal.apply(mirror)));
        }
        List<String> notRunning = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                sent.get(i).get();
            } catch (SignalExternalWorkflowException | ApplicationFailure e) {
                // The server answers a signal to a workflow that is not running with NOT_FOUND.
                log.info("mirror {} has no running workflow to signal", names.get(i));
                notRunning.add(names.get(i));
            }
        }
        return notRunning;
    }

    @SuppressWarnings("unchecked")
    private static <R> Promise<R>[] newPromiseHolder() {
        return (Promise<R>[]) new Promise[1];
    }

    @Override
    public void end() {
        endRequested = true;
    }

    @Override
    public MaintenanceStatus status() {
        return new MaintenanceStatus(runId, stage, mirrors, endRequested);
    }
}
