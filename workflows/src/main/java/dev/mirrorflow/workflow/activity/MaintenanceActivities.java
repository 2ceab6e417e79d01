package dev.mirrorflow.workflow.activity;

import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MaintenanceSignals;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The catalog side of a maintenance window. Every method is idempotent, so a retried call (a
 * worker killed in the middle) changes nothing twice. Activity names are recorded in
 * histories: do not rename.
 */
@ActivityInterface
public interface MaintenanceActivities {

    /** Opens the window (or returns the open one) and sets the maintenance flag; returns its id. */
    @ActivityMethod(name = "OpenMaintenance")
    long open(MaintenanceRequest request);

    /**
     * Records every live mirror that is active (CREATED, SETUP, SNAPSHOT, RUNNING, PAUSING) as
     * one this window pauses, and returns the names of all the window recorded.
     */
    @ActivityMethod(name = "RecordActiveMirrors")
    List<String> recordActive(long runId);

    /**
     * Waits, heartbeating, until no recorded mirror is still pausing: each is PAUSED, FAILED or
     * dropped (recorded as such), or could not be signalled. Marks the window ACTIVE then.
     */
    /**
     * The live mirrors the window did not record (paused by their users, failed): the window
     * holds those that run as they are, and releases them at its end.
     */
    @ActivityMethod(name = "ListUnrecordedMirrors")
    List<String> unrecorded(long runId);

    @ActivityMethod(name = "AwaitMirrorsPaused")
    void awaitPaused(MaintenanceSignals paused);

    /**
     * Marks the window ENDING and returns the recorded mirrors that are still paused by it; the
     * others (dropped, failed, paused by a user meanwhile) are recorded SKIPPED with the reason.
     */
    @ActivityMethod(name = "SelectMirrorsToResume")
    List<String> selectToResume(long runId);

    /**
     * Records the resumed mirrors (and a line in each one's history), the ones that could not be
     * signalled as skipped, then clears the flag and ends the window.
     */
    @ActivityMethod(name = "CloseMaintenance")
    void close(MaintenanceSignals resumed);
}
