package dev.mirrorflow.worker;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.MirrorStatus;
import dev.mirrorflow.workflow.MirrorWorkflow;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.function.Consumer;

/**
 * Starts mirror workflows and sends them signals. Every mirror workflow carries the search
 * attribute {@code MirrorName}, so {@code temporal workflow list --query "MirrorName='x'"} and
 * the batch scripts in scripts/ find it.
 */
public final class MirrorControl {

    /** Registered by scripts/dev-env.sh; in production: temporal operator search-attribute create. */
    public static final SearchAttributeKey<String> MIRROR_NAME = SearchAttributeKey.forKeyword("MirrorName");

    private final TemporalConnection temporal;

    public MirrorControl(TemporalConnection temporal) {
        this.temporal = temporal;
    }

    /** Starts the mirror's workflow; its input is the name and state, never credentials. */
    public void start(String mirror, MirrorState initial) {
        MirrorWorkflow workflow = temporal.client().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId(mirror))
                .setTaskQueue(temporal.settings().taskQueue())
                .setTypedSearchAttributes(SearchAttributes.newBuilder().set(MIRROR_NAME, mirror).build())
                // A dropped mirror's name may be used again, but never while its workflow runs.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
        try {
            WorkflowClient.start(workflow::run, new MirrorRef(mirror, initial));
        } catch (WorkflowExecutionAlreadyStarted e) {
            throw new MirrorNotRunningException("a workflow for mirror " + mirror + " is already running ("
                    + MirrorWorkflow.workflowId(mirror) + "); drop it first");
        }
    }

    public void pause(String mirror, String reason) {
        signal(mirror, w -> w.pause(reason));
    }

    public void resume(String mirror) {
        signal(mirror, MirrorWorkflow::resume);
    }

    public void terminate(String mirror, boolean dropDestination) {
        signal(mirror, w -> w.terminate(dropDestination));
    }

    public void resync(String mirror) {
        signal(mirror, MirrorWorkflow::resync);
    }

    public void editSpec(String mirror, dev.mirrorflow.model.SpecEdit edit) {
        signal(mirror, w -> w.editSpec(edit));
    }

    public void updateConfig(String mirror, ConfigUpdate update) {
        signal(mirror, w -> w.updateConfig(update));
    }

    /** The running workflow's own view; the catalog is the place for status that must always answer. */
    public MirrorStatus status(String mirror) {
        try {
            return stub(mirror).status();
        } catch (WorkflowNotFoundException e) {
            throw notRunning(mirror);
        }
    }

    /** Waits for the mirror's workflow to end, following continue-as-new. */
    public void awaitEnd(String mirror, java.time.Duration timeout) throws java.util.concurrent.TimeoutException {
        temporal.client().newUntypedWorkflowStub(MirrorWorkflow.workflowId(mirror))
                .getResult(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS, Object.class);
    }

    /**
     * Ends the mirror's running workflow at once, without letting it run anything more (no
     * teardown): only for a workflow no worker has started, where there is nothing to tear
     * down. Returns the run id it ended, or empty when no workflow was running.
     */
    public java.util.Optional<String> terminateWorkflow(String mirror, String reason) {
        WorkflowStub stub = temporal.client().newUntypedWorkflowStub(MirrorWorkflow.workflowId(mirror));
        try {
            String runId = stub.describe().getExecution().getRunId();
            stub.terminate(reason);
            return java.util.Optional.of(runId);
        } catch (WorkflowNotFoundException e) {
            return java.util.Optional.empty();
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }

    private void signal(String mirror, Consumer<MirrorWorkflow> signal) {
        try {
            signal.accept(stub(mirror));
        } catch (WorkflowNotFoundException e) {
            throw notRunning(mirror);
        }
    }

    private MirrorWorkflow stub(String mirror) {
        return temporal.client().newWorkflowStub(MirrorWorkflow.class, MirrorWorkflow.workflowId(mirror));
    }

    private static MirrorNotRunningException notRunning(String mirror) {
        return new MirrorNotRunningException("mirror " + mirror + " has no running workflow ("
                + MirrorWorkflow.workflowId(mirror) + "); see mirrorflow mirror status " + mirror);
    }

    /** The mirror's workflow is not (or already) running; the message says what to do. */
    public static final class MirrorNotRunningException extends RuntimeException {
        public MirrorNotRunningException(String message) {
            super(message);
        }
    }
}
