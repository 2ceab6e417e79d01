package dev.mirrorflow.worker;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.MirrorStatus;
import dev.mirrorflow.workflow.MirrorWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DataConverterException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
        MirrorWorkflow workflow = temporal.client().newWorkflowStub(MirrorWorkflow.class, startOptions(mirror));
        try {
            WorkflowClient.start(workflow::run, new MirrorRef(mirror, initial));
        } catch (WorkflowExecutionAlreadyStarted e) {
            throw alreadyRunning(mirror);
        }
    }

    /**
     * Starts a new run of a mirror whose workflow has ended, from {@code state} with a resync
     * requested in it, together with the {@code startResync} update (update-with-start), and
     * waits up to {@code timeout} for the run to take the resync up. The state alone makes the
     * run resync; the update only says when it began.
     */
    public ResyncProgress startWithResync(String mirror, MirrorState state, Duration timeout)
            throws InterruptedException {
        MirrorWorkflow workflow = temporal.client().newWorkflowStub(MirrorWorkflow.class,
                WorkflowOptions.newBuilder(startOptions(mirror))
                        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                        .build());
        WithStartWorkflowOperation<MirrorState> start = new WithStartWorkflowOperation<>(workflow::run,
                new MirrorRef(mirror, state));
        return awaitResync(mirror, timeout, () -> WorkflowClient.startUpdateWithStart(workflow::startResync,
                UpdateOptions.<Integer>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED).build(), start),
                () -> { });
    }

    private WorkflowOptions startOptions(String mirror) {
        return WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId(mirror))
                .setTaskQueue(temporal.settings().taskQueue())
                .setTypedSearchAttributes(SearchAttributes.newBuilder().set(MIRROR_NAME, mirror).build())
                // A dropped mirror's name may be used again, but never while its workflow runs.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build();
    }

    private static MirrorNotRunningException alreadyRunning(String mirror) {
        return new MirrorNotRunningException("a workflow for mirror " + mirror + " is already running ("
                + MirrorWorkflow.workflowId(mirror) + "); drop it first");
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

    /** How far a resync asked for by {@link #startResync} got while the caller waited. */
    public enum ResyncProgress {
        /** The mirror stopped what it did and recorded the resync in the catalog. */
        BEGUN,
        /** The mirror accepted it and begins it once it has stopped (the stream after its batch). */
        ACCEPTED,
        /** No worker took the request up in time; it waits for one. */
        WAITING_FOR_A_WORKER
    }

    /**
     * Asks the mirror's running workflow for a resync (the {@code startResync} update) and waits
     * up to {@code timeout} for it to begin. A refusal (a mirror being dropped, or held by a
     * maintenance window) is a {@link RequestRefusedException} with the workflow's one line.
     */
    public ResyncProgress startResync(String mirror, Duration timeout) throws InterruptedException {
        WorkflowStub stub = temporal.client().newUntypedWorkflowStub(MirrorWorkflow.workflowId(mirror));
        return awaitResync(mirror, timeout, () -> stub.startUpdate(UpdateOptions.newBuilder(Integer.class)
                        .setUpdateName(MirrorWorkflow.START_RESYNC)
                        .setWaitForStage(WorkflowUpdateStage.ACCEPTED)
                        .build()),
                // The server holds an update that no worker has accepted only in memory, so the
                // durable signal asks too; the worker task that takes both up sets one request,
                // and the mirror resyncs once.
                () -> resync(mirror));
    }

    /**
     * Sends a resync update and waits up to {@code timeout} for it to be accepted and to
     * complete; {@code unaccepted} runs when no worker accepted it in time.
     */
    private ResyncProgress awaitResync(String mirror, Duration timeout,
            java.util.function.Supplier<WorkflowUpdateHandle<Integer>> send, Runnable unaccepted)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<WorkflowUpdateHandle<Integer>> accepting = CompletableFuture.supplyAsync(send);
        WorkflowUpdateHandle<Integer> accepted;
        try {
            accepted = accepting.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            unaccepted.run();
            return ResyncProgress.WAITING_FOR_A_WORKER;
        } catch (ExecutionException e) {
            throw translated(mirror, e.getCause());
        }
        try {
            accepted.getResultAsync().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return ResyncProgress.BEGUN;
        } catch (TimeoutException e) {
            return ResyncProgress.ACCEPTED;
        } catch (ExecutionException e) {
            throw translated(mirror, e.getCause());
        }
    }

    private RuntimeException translated(String mirror, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WorkflowExecutionAlreadyStarted) {
                return alreadyRunning(mirror);
            }
        }
        if (failure instanceof WorkflowNotFoundException || isNotFound(failure)) {
            return notRunning(mirror);
        }
        if (failure instanceof WorkflowUpdateException e) {
            Throwable cause = e.getCause();
            return new RequestRefusedException(cause instanceof ApplicationFailure a ? a.getOriginalMessage()
                    : cause != null ? cause.getMessage() : e.getMessage());
        }
        return failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
    }

    /** A closed workflow answers an update with NOT_FOUND ("workflow execution already completed"). */
    private static boolean isNotFound(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.grpc.StatusRuntimeException s && s.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
                return true;
            }
        }
        return false;
    }

    /**
     * The state the mirror's last run ended with, from which a new run goes on (settings that
     * updateConfig changed included); empty when Temporal no longer keeps that run (retention),
     * when it did not end by returning (terminated by hand), or when it ended before runs
     * returned their state.
     */
    public Optional<MirrorState> finalState(String mirror) {
        WorkflowStub stub = temporal.client().newUntypedWorkflowStub(MirrorWorkflow.workflowId(mirror));
        try {
            return Optional.ofNullable(stub.getResult(5, TimeUnit.SECONDS, MirrorState.class));
        } catch (WorkflowNotFoundException | WorkflowFailedException | DataConverterException | TimeoutException e) {
            return Optional.empty();
        }
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

    /** The mirror's workflow refused a request; the message is its one line saying why. */
    public static final class RequestRefusedException extends RuntimeException {
        public RequestRefusedException(String message) {
            super(message);
        }
    }

    /** The mirror's workflow is not (or already) running; the message says what to do. */
    public static final class MirrorNotRunningException extends RuntimeException {
        public MirrorNotRunningException(String message) {
            super(message);
        }
    }
}
