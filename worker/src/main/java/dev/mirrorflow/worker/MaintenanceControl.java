package dev.mirrorflow.worker;

import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.workflow.MaintenanceWorkflow;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starts, ends and waits for the maintenance workflow (id {@value MaintenanceWorkflow#WORKFLOW_ID}). */
public final class MaintenanceControl {

    private final TemporalConnection temporal;

    public MaintenanceControl(TemporalConnection temporal) {
        this.temporal = temporal;
    }

    /**
     * Starts the maintenance workflow; false when one is running already (its id is fixed, so
     * there is never a second window).
     */
    public boolean start(MaintenanceRequest request) {
        MaintenanceWorkflow workflow = temporal.client().newWorkflowStub(MaintenanceWorkflow.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(MaintenanceWorkflow.WORKFLOW_ID)
                        .setTaskQueue(temporal.settings().taskQueue())
                        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                        .build());
        try {
            WorkflowClient.start(workflow::run, request);
            return true;
        } catch (WorkflowExecutionAlreadyStarted e) {
            return false;
        }
    }

    /** Asks the running window to end; false when no maintenance workflow is running. */
    public boolean signalEnd() {
        try {
            temporal.client().newWorkflowStub(MaintenanceWorkflow.class, MaintenanceWorkflow.WORKFLOW_ID).end();
            return true;
        } catch (WorkflowNotFoundException e) {
            return false;
        }
    }

    /** Waits for the newest maintenance workflow to end; returns the id of the window it ran. */
    public long awaitEnd(Duration timeout) throws TimeoutException {
        return temporal.client().newUntypedWorkflowStub(MaintenanceWorkflow.WORKFLOW_ID)
                .getResult(timeout.toMillis(), TimeUnit.MILLISECONDS, Long.class);
    }
}
