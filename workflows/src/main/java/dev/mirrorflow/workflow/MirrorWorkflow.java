package dev.mirrorflow.workflow;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.MirrorStatus;
import dev.mirrorflow.model.SpecEdit;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One mirror, from setup through the initial load to the change stream, for as long as it
 * lives. Workflow id {@code mirror/<name>}. The type, signal, update and query names are recorded
 * in histories and used by scripts: do not rename them.
 */
@WorkflowInterface
public interface MirrorWorkflow {

    /** The reason of the phase change with which a run takes a resync up; tools look for it. */
    String RESYNC_REASON = "resync requested: reloading the destination";

    /** The update with which {@code mirror resync} asks for a resync and waits for it to begin. */
    String START_RESYNC = "startResync";

    /** The failure type of a resync the workflow refuses; its message says why and what to do. */
    String RESYNC_REFUSED = "ResyncRefused";

    /**
     * How the phase change that starts loading the tables a spec edit added begins; a mirror
     * in this phase had streamed before, so a failure in it still leaves a checkpoint.
     */
    String EDIT_LOAD_REASON = "loading the tables a spec edit added: ";

    String TYPE = "Mirror";

    /**
     * The pause reason with which maintenance window {@code runId} pauses a mirror. While a mirror
     * is paused with it, the workflow refuses resume, resync and new settings, and only that
     * window's {@link #resumeAfterMaintenance} resumes it; history and status show it.
     */
    static String maintenancePauseReason(long runId) {
        return MAINTENANCE_PAUSE_PREFIX + runId;
    }

    String MAINTENANCE_PAUSE_PREFIX = "paused for maintenance ";

    static String workflowId(String mirror) {
        return "mirror/" + mirror;
    }

    /**
     * Runs the mirror; returns its final state (phase TERMINATED or FAILED), from which a new run
     * of a FAILED mirror starts with the settings it had. (Runs that ended before this returned
     * the state returned only the final phase.)
     */
    @WorkflowMethod(name = TYPE)
    MirrorState run(MirrorRef ref);

    /** Pauses the mirror: the load at the next partition boundary, the stream after its batch. */
    @SignalMethod(name = "pause")
    void pause(String reason);

    @SignalMethod(name = "resume")
    void resume();

    /** Ends the mirror: removes slot and publication, and the destination tables if asked. */
    @SignalMethod(name = "terminate")
    void terminate(boolean dropDestination);

    /**
     * Drops and reloads the destination tables from a fresh snapshot. Fire-and-forget, for
     * scripts; {@link #startResync} says whether the mirror took it up.
     */
    @SignalMethod(name = "resync")
    void resync();

    /**
     * Asks for a resync, as {@link #resync} does, and returns once the mirror has taken it up:
     * it has stopped what it did and recorded the resync in the catalog (or, when the run had to
     * continue as new meanwhile, carries the request into the next run, which serves it before
     * anything else). Returns the load generation the resync loads. Refused by
     * {@link #validateStartResync} with one line saying why; fails when the mirror fails or is
     * dropped before the resync begins.
     */
    @UpdateMethod(name = START_RESYNC)
    int startResync();

    /** Refuses a resync of a mirror that is dropped, ended, or held by a maintenance window. */
    @UpdateValidatorMethod(updateName = START_RESYNC)
    void validateStartResync();

    /** Changes batch size or idle timeout; a running stream restarts with them. */
    @SignalMethod(name = "updateConfig")
    void updateConfig(ConfigUpdate update);

    /**
     * Applies the spec edit saved in the catalog: the stream stops after its batch (the load at
     * its partition boundary), the added tables are set up and loaded, the removed ones let go,
     * and the mirror goes on with the edited spec and settings. A paused mirror applies it when
     * it resumes.
     */
    @SignalMethod(name = "editSpec")
    void editSpec(SpecEdit edit);

    /**
     * Holds the mirror as it is while maintenance window {@code maintenanceRunId} is open, for a
     * mirror the window did not pause (paused by its user): resume, resync, edits and new
     * settings are refused until {@link #resumeAfterMaintenance} of that window.
     */
    @SignalMethod(name = "holdForMaintenance")
    void holdForMaintenance(long maintenanceRunId);

    /**
     * Resumes the mirror if maintenance window {@code maintenanceRunId} paused it and nobody has
     * paused it for another reason since; releases a mirror the window held either way.
     */
    @SignalMethod(name = "resumeAfterMaintenance")
    void resumeAfterMaintenance(long maintenanceRunId);

    @QueryMethod(name = "status")
    MirrorStatus status();
}
