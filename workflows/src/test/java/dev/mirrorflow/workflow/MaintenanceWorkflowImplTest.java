package dev.mirrorflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.Phase;
import dev.mirrorflow.model.RetrySettings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The maintenance workflow against real mirror workflows with fake activities, on the
 * time-skipping test server: a window stays open for days until `end`, pauses and resumes
 * exactly its mirrors, stops waiting when `end` comes first, and the mirrors it paused refuse
 * what would move them meanwhile.
 */
class MaintenanceWorkflowImplTest {

    private static final String OURS = "paused for maintenance " + FakeMaintenanceActivities.RUN_ID;

    private TestWorkflowEnvironment env;
    private FakeMirrorActivities mirrorActivities;
    private FakeMaintenanceActivities maintenanceActivities;

    @BeforeEach
    void setUp() {
        env = TestWorkflowEnvironment.newInstance();
        Worker worker = env.newWorker(TaskQueues.DEFAULT, WorkerOptions.newBuilder()
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(100))
                .build());
        worker.registerWorkflowImplementationTypes(MirrorWorkflowImpl.class, MaintenanceWorkflowImpl.class);
        mirrorActivities = new FakeMirrorActivities();
        maintenanceActivities = new FakeMaintenanceActivities();
        worker.registerActivitiesImplementations(mirrorActivities, maintenanceActivities);
        env.start();
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    /** The mirror's current run, whichever it is after continue-as-new. */
    private MirrorWorkflow current(String name) {
        return env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, MirrorWorkflow.workflowId(name));
    }

    private MirrorWorkflow startMirror(String name) {
        MirrorWorkflow mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(MirrorWorkflow.workflowId(name))
                .setTaskQueue(TaskQueues.DEFAULT)
                .build());
        WorkflowClient.start(mirror::run, new MirrorRef(name, MirrorState.initial(false, 1000, 5000,
                new RetrySettings(1000, 2.0, 60_000, 0))));
        return current(name);
    }

    private MaintenanceWorkflow startMaintenance() {
        MaintenanceWorkflow maintenance = env.getWorkflowClient().newWorkflowStub(MaintenanceWorkflow.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(MaintenanceWorkflow.WORKFLOW_ID)
                        .setTaskQueue(TaskQueues.DEFAULT)
                        .build());
        WorkflowClient.start(maintenance::run, new MaintenanceRequest("upgrade", "ops@host", false));
        return maintenance;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private boolean paused(String reason) {
        return mirrorActivities.phases.stream().anyMatch(p -> p.phase() == Phase.PAUSED && reason.equals(p.reason()));
    }

    @Test
    void shouldStayOpenForDaysUntilEndAndThenResumeExactlyTheMirrorsItPaused() throws Exception {
        MirrorWorkflow orders = startMirror("orders");
        await("orders streaming", () -> !mirrorActivities.streams.isEmpty());
        maintenanceActivities.active = List.of("orders");
        maintenanceActivities.allPaused = () -> paused(OURS);
        MaintenanceWorkflow maintenance = startMaintenance();

        await("orders paused for maintenance", () -> paused(OURS));
        await("the window on", () -> maintenance.status().stage().equals("on"));
        env.sleep(Duration.ofDays(3));
        assertThat(maintenance.status().stage()).as("still open three days later").isEqualTo("on");
        assertThat(maintenance.status().runId()).isEqualTo(FakeMaintenanceActivities.RUN_ID);
        assertThat(maintenanceActivities.awaited).singleElement()
                .satisfies(s -> assertThat(s.notRunning()).isEmpty());

        // What would move the mirror is refused and recorded while the window is open.
        orders = current("orders");
        orders.resume();
        orders.resync();
        orders.updateConfig(new ConfigUpdate(10, null));
        await("three refusals recorded", () -> mirrorActivities.signals.size() == 3);
        assertThat(mirrorActivities.signals).extracting(n -> n.text()).containsExactly(
                "resume refused: the mirror is " + OURS + "; run mirrorflow maintenance end first",
                "resync refused: the mirror is " + OURS + "; run mirrorflow maintenance end first",
                "updateConfig refused: the mirror is " + OURS + "; run mirrorflow maintenance end first");
        assertThat(orders.status().phase()).isEqualTo(Phase.PAUSED);
        assertThat(orders.status().batchSize()).isEqualTo(1000);
        assertThat(mirrorActivities.resets).isEmpty();

        maintenance.end();
        assertThat(WorkflowStub.fromTyped(maintenance).getResult(Long.class)).isEqualTo(FakeMaintenanceActivities.RUN_ID);
        await("orders streaming again", () -> mirrorActivities.streams.size() == 2);
        assertThat(maintenanceActivities.closed).singleElement().satisfies(c -> {
            assertThat(c.signalled()).containsExactly("orders");
            assertThat(c.notRunning()).isEmpty();
        });
        current("orders").terminate(false);
    }

    @Test
    void shouldStopWaitingWhenEndComesFirstAndResumeTheMirrorsStillPausing() throws Exception {
        startMirror("orders");
        await("orders streaming", () -> !mirrorActivities.streams.isEmpty());
        maintenanceActivities.active = List.of("orders");
        maintenanceActivities.allPaused = () -> false; // a straggler that never pauses
        MaintenanceWorkflow maintenance = startMaintenance();
        await("waiting for the mirrors", () -> !maintenanceActivities.awaited.isEmpty());
        // The wait heartbeats, so time runs as on a clock here: a while, not hours.
        Thread.sleep(1000);
        assertThat(maintenance.status().stage()).isEqualTo("pausing");

        maintenance.end();
        assertThat(WorkflowStub.fromTyped(maintenance).getResult(Long.class)).isEqualTo(FakeMaintenanceActivities.RUN_ID);
        assertThat(maintenanceActivities.waitCancelled).as("the wait was cancelled").isTrue();
        assertThat(maintenanceActivities.closed.get(0).signalled()).containsExactly("orders");
        await("orders streaming again", () -> mirrorActivities.streams.size() == 2);
    }

    @Test
    void shouldNameMirrorsWithoutARunningWorkflowAndLeaveAUserPauseAlone() throws Exception {
        MirrorWorkflow held = startMirror("held");
        await("held streaming", () -> !mirrorActivities.streams.isEmpty());
        held.pause("held by its owner");
        await("held paused", () -> paused("held by its owner"));
        held = current("held");
        maintenanceActivities.active = List.of("gone", "held");
        maintenanceActivities.toResume = List.of("gone", "held");
        MaintenanceWorkflow maintenance = startMaintenance();
        await("the window on", () -> maintenance.status().stage().equals("on"));
        assertThat(maintenanceActivities.awaited).singleElement()
                .satisfies(s -> assertThat(s.notRunning()).containsExactly("gone"));
        assertThat(held.status().pauseReason()).as("the user's pause stays theirs").isEqualTo("held by its owner");

        // Even if the window's end signals it, a mirror paused by its user stays paused.
        maintenance.end();
        WorkflowStub.fromTyped(maintenance).getResult(Long.class);
        assertThat(maintenanceActivities.closed).singleElement().satisfies(c -> {
            assertThat(c.signalled()).containsExactly("held");
            assertThat(c.notRunning()).containsExactly("gone");
        });
        env.sleep(Duration.ofMinutes(1));
        assertThat(held.status().phase()).isEqualTo(Phase.PAUSED);
        assertThat(mirrorActivities.streams).hasSize(1);
        current("held").resume();
        await("held streaming again", () -> mirrorActivities.streams.size() == 2);
    }

    @Test
    void shouldHoldAMirrorItsUserPausedUntilTheWindowEndsWhateverIsSentPastTheCli() throws Exception {
        MirrorWorkflow kept = startMirror("kept");
        await("kept streaming", () -> !mirrorActivities.streams.isEmpty());
        kept.pause("held by its owner");
        await("kept paused", () -> paused("held by its owner"));
        maintenanceActivities.active = List.of();
        maintenanceActivities.unrecorded = List.of("kept");
        MaintenanceWorkflow maintenance = startMaintenance();
        await("the window on", () -> maintenance.status().stage().equals("on"));

        // Sent straight to the workflow (the temporal CLI): refused, recorded, the mirror stays paused.
        current("kept").resume();
        current("kept").resync();
        await("two refusals", () -> mirrorActivities.signals.size() == 2);
        assertThat(mirrorActivities.signals).extracting(n -> n.text()).containsExactly(
                "resume refused: mirrorflow is in maintenance 7; run mirrorflow maintenance end first",
                "resync refused: mirrorflow is in maintenance 7; run mirrorflow maintenance end first");
        assertThat(current("kept").status().phase()).isEqualTo(Phase.PAUSED);
        assertThat(mirrorActivities.resets).isEmpty();

        maintenance.end();
        WorkflowStub.fromTyped(maintenance).getResult(Long.class);
        env.sleep(Duration.ofSeconds(10));
        assertThat(current("kept").status().phase()).as("still its user's pause").isEqualTo(Phase.PAUSED);
        assertThat(mirrorActivities.streams).hasSize(1);
        // Released by the end: its user may resume it now.
        current("kept").resume();
        await("kept streaming again", () -> mirrorActivities.streams.size() == 2);
        current("kept").terminate(false);
    }

    @Test
    void shouldRecordAUsersPauseDuringTheWindowSoThatTheEndLeavesItPaused() throws Exception {
        startMirror("orders");
        await("orders streaming", () -> !mirrorActivities.streams.isEmpty());
        maintenanceActivities.active = List.of("orders");
        maintenanceActivities.allPaused = () -> paused(OURS);
        MaintenanceWorkflow maintenance = startMaintenance();
        await("the window on", () -> maintenance.status().stage().equals("on"));

        current("orders").pause("user stop");
        await("the user's pause in the catalog", () -> paused("user stop"));

        maintenance.end();
        WorkflowStub.fromTyped(maintenance).getResult(Long.class);
        env.sleep(Duration.ofSeconds(10));
        assertThat(current("orders").status().phase()).isEqualTo(Phase.PAUSED);
        assertThat(current("orders").status().pauseReason()).isEqualTo("user stop");
        assertThat(mirrorActivities.streams).hasSize(1);
        current("orders").terminate(false);
    }
}
