package dev.mirrorflow.workflow;

import dev.mirrorflow.model.WorkerDescription;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Asks whichever worker polls the task queue to describe itself: proof that Temporal, a worker
 * and the catalog are wired together. `mirrorflow ping` and the quickstart use it.
 */
@WorkflowInterface
public interface PingWorkflow {

    // Do not rename: the workflow type name is recorded in Temporal histories.
    String TYPE = "Ping";

    @WorkflowMethod(name = TYPE)
    WorkerDescription ping();
}
