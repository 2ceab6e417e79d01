package dev.mirrorflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.Phase;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SpecEdit;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MirrorWorkflowImplTest {

    private TestWorkflowEnvironment env;
    private FakeMirrorActivities activities;
    private MirrorWorkflow mirror;
    private WorkflowStub stub;

    @BeforeEach
    void setUp() {
        env = TestWorkflowEnvironment.newInstance();
        Worker worker = env.newWorker(TaskQueues.DEFAULT, WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(100))
                .build());
        worker.registerWorkflowImplementationTypes(MirrorWorkflowImpl.class);
        activities = new FakeMirrorActivities();
        worker.registerActivitiesImplementations(activities);
        env.start();
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    private void start(boolean initialLoad) {
        mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId("orders"))
                .setTaskQueue(TaskQueues.DEFAULT)
                .build());
        WorkflowClient.start(mirror::run,
                new MirrorRef("orders", MirrorState.initial(initialLoad, 1000, 5000,
                        new RetrySettings(1000, 2.0, 60_000, 0))));
        stub = WorkflowStub.fromTyped(mirror);
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; phases " + activities.phaseNames());
            }
            Thread.sleep(20);
        }
    }

    private Phase result() {
        return stub.getResult(MirrorState.class).phase();
    }

    @Test
    void shouldGoThroughSetupAndLoadToStreamingAndRecordEachPhaseFirst() throws Exception {
        start(true);
        await("streaming", () -> !activities.streams.isEmpty());

        assertThat(activities.phaseNames()).containsExactly("SETUP", "SNAPSHOT", "RUNNING");
        assertThat(activities.loads).hasSize(1);
        assertThat(mirror.status().phase()).isEqualTo(Phase.RUNNING);
        assertThat(mirror.status().loadDone()).isTrue();

        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
        assertThat(activities.teardowns).singleElement().satisfies(t -> assertThat(t.dropDestination()).isFalse());
        assertThat(activities.outcomes).singleElement().satisfies(o -> {
            assertThat(o.finalPhase()).isEqualTo(Phase.TERMINATED);
            assertThat(o.dropped()).isTrue();
        });
    }

    @Test
    void shouldSkipTheLoadWhenTheSpecSaysSo() throws Exception {
        start(false);
        await("streaming", () -> !activities.streams.isEmpty());
        assertThat(activities.phaseNames()).containsExactly("SETUP", "RUNNING");
        assertThat(activities.loads).isEmpty();
        mirror.terminate(true);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
        assertThat(activities.teardowns.get(0).dropDestination()).isTrue();
    }

    @Test
    void shouldPauseTheLoadAtAPartitionBoundaryAndLoadOnlyTheRestAfterResume() throws Exception {
        activities.partitions = 1000;
        start(true);
        await("load running", () -> activities.partitionsDone.get() >= 2);

        mirror.pause("maintenance");
        await("paused", () -> activities.phaseNames().contains("PAUSED"));
        int doneAtPause = activities.partitionsDone.get();
        assertThat(activities.phaseNames()).containsExactly("SETUP", "SNAPSHOT", "PAUSING", "PAUSED");
        assertThat(activities.phases.get(3).reason()).isEqualTo("maintenance");
        assertThat(mirror.status().pauseReason()).isEqualTo("maintenance");
        Thread.sleep(300);
        assertThat(activities.partitionsDone.get()).as("nothing copied while paused").isEqualTo(doneAtPause);

        activities.partitions = doneAtPause + 3;
        mirror.resume();
        await("streaming", () -> !activities.streams.isEmpty());
        assertThat(activities.loads).hasSize(2);
        assertThat(activities.partitionsDone.get()).isEqualTo(doneAtPause + 3);
        assertThat(activities.phaseNames()).endsWith("SNAPSHOT", "RUNNING");
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldPauseTheStreamAndResumeItInAFreshRun() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        String firstRun = stub.getExecution().getRunId();

        mirror.pause(null);
        await("paused", () -> activities.phaseNames().contains("PAUSED"));
        assertThat(activities.phaseNames()).endsWith("RUNNING", "PAUSING", "PAUSED");

        mirror.resume();
        await("streaming again", () -> activities.streams.size() == 2);
        assertThat(activities.phaseNames()).endsWith("PAUSED", "RUNNING");
        String currentRun = env.getWorkflowClient().newUntypedWorkflowStub(MirrorWorkflow.workflowId("orders"))
                .describe().getExecution().getRunId();
        assertThat(currentRun).as("continued as new").isNotEqualTo(firstRun);
        assertThat(activities.loads).as("the load is not repeated").hasSize(1);
        mirror.terminate(false);
        assertThat(env.getWorkflowClient().newUntypedWorkflowStub(MirrorWorkflow.workflowId("orders"))
                .getResult(MirrorState.class).phase()).isEqualTo(Phase.TERMINATED);
    }

    @Test
    void shouldNotLoseAPauseThatArrivesWithAConfigChangeJustBeforeContinueAsNew() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);

        mirror.updateConfig(new ConfigUpdate(500, null));
        mirror.pause("right behind the config change");

        await("paused", () -> activities.phaseNames().contains("PAUSED"));
        MirrorWorkflow current = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class,
                MirrorWorkflow.workflowId("orders"));
        assertThat(current.status().pauseReason()).isEqualTo("right behind the config change");
        assertThat(current.status().batchSize()).isEqualTo(500);

        current.resume();
        await("streaming with the new batch size", () -> activities.streams.size() == 2);
        assertThat(activities.streams.get(1).batchSize()).isEqualTo(500);
        current.terminate(false);
    }

    @Test
    void shouldRestartTheStreamWithNewSettings() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.updateConfig(new ConfigUpdate(250, 2000L));
        await("restarted", () -> activities.streams.size() == 2);
        assertThat(activities.streams.get(1).batchSize()).isEqualTo(250);
        assertThat(activities.streams.get(1).idleTimeoutMillis()).isEqualTo(2000);
        env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, MirrorWorkflow.workflowId("orders"))
                .terminate(false);
    }

    @Test
    void shouldReloadUnderANewGenerationOnResync() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);

        mirror.resync();
        await("streaming after resync", () -> activities.streams.size() == 2);

        assertThat(activities.resets).singleElement().satisfies(r -> assertThat(r.loadGeneration()).isEqualTo(2));
        assertThat(activities.loads).extracting(l -> l.loadGeneration()).containsExactly(1, 2);
        assertThat(activities.streams.get(1).loadGeneration()).isEqualTo(2);
        assertThat(activities.phaseNames()).containsExactly("SETUP", "SNAPSHOT", "RUNNING", "SETUP", "SETUP",
                "SNAPSHOT", "RUNNING");
        env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, MirrorWorkflow.workflowId("orders"))
                .terminate(false);
    }

    @Test
    void shouldFailWithTheActivitysOwnMessageOnAProblemTheUserMustFix() {
        activities.setupBehaviour = attempt -> {
            throw ApplicationFailure.newNonRetryableFailure(
                    "table public.events has neither a primary key nor REPLICA IDENTITY FULL; add a primary key",
                    "SourceConfiguration");
        };
        start(true);

        assertThat(result()).isEqualTo(Phase.FAILED);
        assertThat(activities.setupAttempts).hasSize(1);
        assertThat(activities.outcomes).singleElement().satisfies(o -> {
            assertThat(o.finalPhase()).isEqualTo(Phase.FAILED);
            assertThat(o.error()).isEqualTo(
                    "table public.events has neither a primary key nor REPLICA IDENTITY FULL; add a primary key");
            assertThat(o.dropped()).isFalse();
        });
    }

    @Test
    void shouldKeepRetryingATransientFailureUntilItClears() throws Exception {
        activities.setupBehaviour = attempt -> {
            if (attempt < 4) {
                throw ApplicationFailure.newFailure("slot in use by PID 42", "SlotBusy");
            }
        };
        start(true);
        await("streaming", () -> !activities.streams.isEmpty());
        assertThat(activities.setupAttempts).containsExactly(1, 2, 3, 4);
        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
    }

    @Test
    void shouldRecordTheMirrorDroppedWithWhatTheTeardownCouldNotRemove() throws Exception {
        String leftBehind = "mirror orders could not remove replication slot mirrorflow_orders on db:5432/app "
                + "(cannot reach PostgreSQL); drop it by hand with: SELECT pg_drop_replication_slot('mirrorflow_orders')";
        activities.teardownBehaviour = attempt -> {
            throw ApplicationFailure.newFailure(leftBehind, "TeardownIncomplete");
        };
        start(false);
        await("streaming", () -> !activities.streams.isEmpty());

        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
        assertThat(activities.teardowns).as("a few attempts, then the drop is reported, not retried for ever")
                .hasSize(dev.mirrorflow.model.TeardownRequest.RETRY.maximumAttempts());
        assertThat(activities.outcomes).singleElement().satisfies(o -> {
            assertThat(o.finalPhase()).isEqualTo(Phase.TERMINATED);
            assertThat(o.error()).isEqualTo(leftBehind);
            assertThat(o.dropped()).isTrue();
        });
    }

    @Test
    void shouldOnlyTearDownInARunStartedToDropAFailedMirror() {
        mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.DEFAULT).build());
        WorkflowClient.start(mirror::run, new MirrorRef("orders",
                MirrorState.dropAfterEnd(Phase.FAILED, 2, true, 1000, 5000, RetrySettings.DEFAULT, 12)));
        stub = WorkflowStub.fromTyped(mirror);

        assertThat(result()).isEqualTo(Phase.TERMINATED);
        assertThat(activities.setupAttempts).isEmpty();
        assertThat(activities.loads).isEmpty();
        assertThat(activities.resets).isEmpty();
        assertThat(activities.teardowns).singleElement().satisfies(t -> assertThat(t.dropDestination()).isTrue());
        assertThat(activities.outcomes).singleElement().satisfies(o -> {
            assertThat(o.finalPhase()).isEqualTo(Phase.TERMINATED);
            assertThat(o.error()).isNull();
            assertThat(o.dropped()).isTrue();
        });
    }

    @Test
    void shouldServeATerminateThatArrivesWithTheRunsFirstTask() throws Exception {
        mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId("orders")).setTaskQueue(TaskQueues.DEFAULT).build());
        // The signal is in the history before the first workflow task, as for a drop right after create.
        io.temporal.client.BatchRequest request = env.getWorkflowClient().newSignalWithStartRequest();
        request.add(mirror::run, new MirrorRef("orders", MirrorState.initial(true, 1000, 5000, RetrySettings.DEFAULT)));
        request.add(mirror::terminate, true);
        env.getWorkflowClient().signalWithStart(request);
        stub = WorkflowStub.fromTyped(mirror);

        assertThat(stub.getResult(20, java.util.concurrent.TimeUnit.SECONDS, MirrorState.class).phase()).isEqualTo(Phase.TERMINATED);
        assertThat(activities.setupAttempts).as("nothing set up for a mirror dropped at once").isEmpty();
        assertThat(activities.teardowns).singleElement().satisfies(t -> assertThat(t.dropDestination()).isTrue());
    }

    @Test
    void shouldStillDropWhenTheStreamFailsAsItIsStopped() throws Exception {
        activities.streamFailureWhenCancelled = ApplicationFailure.newNonRetryableFailure(
                "slot mirrorflow_orders: the source went away while streaming changes", "SourceConfiguration");
        start(false);
        await("streaming", () -> !activities.streams.isEmpty());

        mirror.terminate(false);

        assertThat(stub.getResult(20, java.util.concurrent.TimeUnit.SECONDS, MirrorState.class).phase()).isEqualTo(Phase.TERMINATED);
        assertThat(activities.teardowns).hasSize(1);
        assertThat(activities.outcomes).singleElement().satisfies(o -> assertThat(o.dropped()).isTrue());
    }

    private static SpecEdit edit(boolean addsTables, int batchSize) {
        return new SpecEdit(addsTables ? java.util.List.of("public.items") : java.util.List.of(), java.util.List.of(),
                true, batchSize, 2000, new RetrySettings(500, 2.0, 30_000, 0), "test edit");
    }

    @Test
    void shouldStopTheStreamLoadTheAddedTablesAndStreamAgainWithTheEditedSettings() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);

        mirror.editSpec(edit(true, 250));
        await("streaming again", () -> activities.streams.size() == 2);

        assertThat(activities.edits).singleElement().satisfies(e -> {
            assertThat(e.loadAddedTables()).isTrue();
            assertThat(e.loadGeneration()).isEqualTo(1);
        });
        assertThat(activities.editPartitionsDone.get()).isEqualTo(2);
        assertThat(activities.phaseNames()).containsExactly("SETUP", "SNAPSHOT", "RUNNING", "SNAPSHOT", "RUNNING");
        assertThat(activities.phases.get(3).reason()).isEqualTo(MirrorWorkflow.EDIT_LOAD_REASON + "public.items");
        assertThat(activities.streams.get(1).batchSize()).isEqualTo(250);
        assertThat(activities.streams.get(1).idleTimeoutMillis()).isEqualTo(2000);
        assertThat(mirror.status().batchSize()).isEqualTo(250);
        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
    }

    @Test
    void shouldApplyASettingsOnlyEditWithoutALoadPhase() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.editSpec(edit(false, 42));
        await("streaming again", () -> activities.streams.size() == 2);
        assertThat(activities.edits).singleElement().satisfies(e -> assertThat(e.loadAddedTables()).isFalse());
        assertThat(activities.phaseNames()).containsExactly("SETUP", "SNAPSHOT", "RUNNING", "RUNNING");
        assertThat(activities.streams.get(1).batchSize()).isEqualTo(42);
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldLeaveTheAddedTablesToTheLoadWhenTheEditArrivesDuringIt() throws Exception {
        activities.partitions = 1000;
        start(true);
        await("load running", () -> activities.partitionsDone.get() >= 2);
        mirror.editSpec(edit(true, 1000));
        await("load again", () -> activities.loads.size() == 2);
        assertThat(activities.edits).singleElement().satisfies(e -> assertThat(e.loadAddedTables()).isFalse());
        assertThat(activities.editPartitionsDone.get()).isZero();
        activities.partitions = activities.partitionsDone.get() + 1;
        await("streaming", () -> !activities.streams.isEmpty());
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldApplyAnEditToAPausedMirrorOnlyWhenItResumes() throws Exception {
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.pause("by hand");
        await("paused", () -> activities.phaseNames().contains("PAUSED"));
        mirror.editSpec(edit(true, 300));
        Thread.sleep(300);
        assertThat(activities.edits).as("a paused mirror stays paused").isEmpty();
        mirror.resume();
        await("streaming again", () -> activities.streams.size() == 2);
        assertThat(activities.edits).hasSize(1);
        assertThat(activities.streams.get(1).batchSize()).isEqualTo(300);
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldGoOnWithTheEditsLoadAfterAPauseStoppedIt() throws Exception {
        activities.editPartitions = 1000;
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.editSpec(edit(true, 1000));
        await("edit loading", () -> activities.editPartitionsDone.get() >= 2);
        mirror.pause("in the middle");
        await("paused", () -> activities.phaseNames().contains("PAUSED"));
        assertThat(activities.streams).hasSize(1);
        activities.editPartitions = activities.editPartitionsDone.get() + 2;
        mirror.resume();
        await("streaming again", () -> activities.streams.size() == 2);
        assertThat(activities.edits).hasSize(2);
        assertThat(activities.editPartitionsDone.get()).isEqualTo(activities.editPartitions);
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldTakeAResyncThatArrivesDuringAnEditsLoadWithoutSpinning() throws Exception {
        activities.editPartitions = 1000;
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.editSpec(edit(true, 1000));
        await("edit loading", () -> activities.editPartitionsDone.get() >= 2);
        activities.partitions = 2;
        mirror.resync();
        await("streaming after the resync", () -> activities.streams.size() == 2);
        // The edit's load stopped; the edit was applied without a load of its own before the reload.
        assertThat(activities.edits).hasSize(2);
        assertThat(activities.edits.get(1).loadAddedTables()).isFalse();
        assertThat(activities.resets).hasSize(1);
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldApplyASavedEditThenResyncAFailedMirror() throws Exception {
        activities.partitions = 2;
        mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId("orders"))
                .setTaskQueue(TaskQueues.DEFAULT)
                .build());
        WorkflowClient.start(mirror::run, new MirrorRef("orders", MirrorState.resyncAfterFailure(1, 1000, 5000,
                new RetrySettings(1000, 2.0, 60_000, 0), 4).withPendingEdit(edit(true, 77))));
        stub = WorkflowStub.fromTyped(mirror);
        await("streaming", () -> activities.streams.size() == 1);
        assertThat(activities.edits).singleElement().satisfies(e -> assertThat(e.loadAddedTables()).isFalse());
        assertThat(activities.resets).hasSize(1);
        assertThat(activities.streams.get(0).batchSize()).isEqualTo(77);
        mirror.terminate(false);
        result();
    }

    @Test
    void shouldReturnFromTheResyncUpdateOnceTheRunHasRecordedTheResyncAndThenReload() throws Exception {
        activities.partitions = 2;
        start(true);
        await("streaming", () -> activities.streams.size() == 1);
        String streamingRun = stub.getExecution().getRunId();

        int generation = mirror.startResync();

        assertThat(generation).isEqualTo(2);
        // The run that stopped its stream took the resync up itself, and the catalog has it.
        assertThat(activities.phases).anyMatch(p -> p.reason().equals(MirrorWorkflow.RESYNC_REASON));
        assertThat(env.getWorkflowClient().newUntypedWorkflowStub(MirrorWorkflow.workflowId("orders"))
                .describe().getExecution().getRunId()).isEqualTo(streamingRun);
        await("streaming the reloaded generation", () -> activities.streams.size() == 2);
        assertThat(activities.resets).singleElement().satisfies(r -> assertThat(r.loadGeneration()).isEqualTo(2));
        assertThat(activities.streams.get(1).loadGeneration()).isEqualTo(2);
        assertThat(activities.phaseNames()).endsWith("RUNNING", "SETUP", "SETUP", "SNAPSHOT", "RUNNING");
        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
    }

    @Test
    void shouldRefuseTheResyncUpdateOfAMirrorPausedForMaintenanceInOneLine() throws Exception {
        start(false);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.pause(MirrorWorkflow.maintenancePauseReason(7));
        await("paused", () -> activities.phaseNames().contains("PAUSED"));

        assertThatThrownBy(mirror::startResync).isInstanceOf(WorkflowUpdateException.class)
                .cause().isInstanceOf(ApplicationFailure.class)
                .satisfies(e -> {
                    ApplicationFailure refusal = (ApplicationFailure) e;
                    assertThat(refusal.getOriginalMessage()).isEqualTo("resync of mirror orders refused: the mirror is "
                            + "paused for maintenance 7; run mirrorflow maintenance end first");
                });
        Thread.sleep(300);
        assertThat(activities.resets).as("nothing reset").isEmpty();
        assertThat(mirror.status().phase()).isEqualTo(Phase.PAUSED);
        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
    }

    @Test
    void shouldResyncAFailedMirrorFromItsFinalStateKeepingTheBatchSizeUpdateConfigSet() throws Exception {
        start(false);
        await("streaming", () -> activities.streams.size() == 1);
        mirror.updateConfig(new ConfigUpdate(77, 900L));
        await("streaming with the new settings", () -> activities.streams.size() == 2);
        activities.streamFailure = ApplicationFailure.newNonRetryableFailure("the source broke (test)",
                "SourceConfiguration");

        MirrorState failed = stub.getResult(MirrorState.class);
        assertThat(failed.phase()).isEqualTo(Phase.FAILED);
        assertThat(failed.lastError()).isEqualTo("the source broke (test)");
        assertThat(failed.batchSize()).isEqualTo(77);

        // What mirror resync of a FAILED mirror starts: a new run from the failed run's own state.
        activities.streamFailure = null;
        activities.partitions = 2;
        mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId("orders"))
                .setTaskQueue(TaskQueues.DEFAULT)
                .build());
        WorkflowClient.start(mirror::run, new MirrorRef("orders", failed.resyncAfterThisFailure()));
        stub = WorkflowStub.fromTyped(mirror);
        await("streaming after the resync", () -> activities.streams.size() == 3);
        assertThat(activities.resets).singleElement().satisfies(r -> assertThat(r.loadGeneration()).isEqualTo(2));
        assertThat(activities.streams.get(2).batchSize()).isEqualTo(77);
        assertThat(activities.streams.get(2).idleTimeoutMillis()).isEqualTo(900L);
        assertThat(activities.streams.get(2).loadGeneration()).isEqualTo(2);
        // The new run's catalog writes are numbered after the failed run's.
        assertThat(activities.phases.stream().map(p -> p.idempotencyKey()).distinct().count())
                .isEqualTo(activities.phases.size());
        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
    }

    @Test
    void shouldApplyASavedEditThenTakeTheResyncUpInTheSameRunWhenStartedWithTheResyncUpdate() throws Exception {
        activities.partitions = 2;
        MirrorState failed = new MirrorState(Phase.FAILED, 1, true, true, null, false, false, false, false, 1000, 5000,
                new RetrySettings(1000, 2.0, 60_000, 0), "the source broke (test)", 0, 4, null, 0, 0);
        mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId("orders"))
                .setTaskQueue(TaskQueues.DEFAULT)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .build());
        WithStartWorkflowOperation<MirrorState> start = new WithStartWorkflowOperation<>(mirror::run,
                new MirrorRef("orders", failed.resyncAfterThisFailure().withPendingEdit(edit(true, 77))));

        io.temporal.client.WorkflowUpdateHandle<Integer> update = WorkflowClient.startUpdateWithStart(
                mirror::startResync, UpdateOptions.<Integer>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED)
                        .build(), start);
        int generation = update.getResult();

        stub = WorkflowStub.fromTyped(mirror);
        assertThat(generation).isEqualTo(2);
        assertThat(activities.edits).singleElement().satisfies(e -> assertThat(e.loadAddedTables()).isFalse());
        assertThat(activities.phases).as("the resync is in the catalog when the update returns")
                .anyMatch(p -> p.reason().equals(MirrorWorkflow.RESYNC_REASON));
        await("streaming", () -> activities.streams.size() == 1);
        assertThat(env.getWorkflowClient().newUntypedWorkflowStub(MirrorWorkflow.workflowId("orders"))
                .describe().getExecution().getRunId())
                .as("the run that answered the update took the resync up").isEqualTo(update.getExecution().getRunId());
        assertThat(activities.resets).singleElement().satisfies(r -> assertThat(r.loadGeneration()).isEqualTo(2));
        assertThat(activities.streams.get(0).batchSize()).as("the edit's batch size").isEqualTo(77);
        mirror.terminate(false);
        assertThat(result()).isEqualTo(Phase.TERMINATED);
    }
}
