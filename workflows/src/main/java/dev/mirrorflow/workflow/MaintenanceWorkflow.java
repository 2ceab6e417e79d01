package dev.mirrorflow.workflow;

import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MaintenanceStatus;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A maintenance window: pauses every active mirror, waits for `end`, then resumes exactly the
 * mirrors it paused. One at a time: the workflow id is fixed. The type, id, signal and query
 * names are recorded in histories and used by scripts/maintenance.sh: do not rename them.
 */
@WorkflowInterface
public interface MaintenanceWorkflow {

    String TYPE = "Maintenance";

    /** The only id a maintenance workflow has, so that no second window can open. */
    String WORKFLOW_ID = "maintenance";

    /** Runs the window to its end; returns its id in the catalog. */
    @WorkflowMethod(name = TYPE)
    long run(MaintenanceRequest request);

    /** Ends the window: resumes the mirrors it paused that are still paused by it. */
    @SignalMethod(name = "end")
    void end();

    @QueryMethod(name = "status")
    MaintenanceStatus status();
}
