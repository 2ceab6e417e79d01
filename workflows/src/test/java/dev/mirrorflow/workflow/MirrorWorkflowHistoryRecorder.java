package dev.mirrorflow.workflow;

import dev.mirrorflow.model.ConfigUpdate;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.Phase;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.WorkerDescription;
import dev.mirrorflow.workflow.activity.WorkerActivities;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Records the histories MirrorWorkflowReplayTest replays: one scenario per way a mirror's
 * workflow can go, every run of each continue-as-new chain saved as {@code <scenario>-<n>.json}.
 * The activities are {@link FakeMirrorActivities}; only the workflow's own commands matter for
 * replay. Record new ones when a change to workflow code is meant to be replay-safe and the
 * scenarios should show it, or when a new path needs guarding (then say so in the commit);
 * never re-record to make a failing replay pass: that failure is a running mirror breaking.
 *
 * <pre>
 * mvn -pl workflows test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.mirrorflow.workflow.MirrorWorkflowHistoryRecorder \
 *     -Dexec.args="src/test/resources/histories 127.0.0.1:7233"
 * </pre>
 * With a Temporal address it records on that server (the dev server from scripts/dev-env.sh),
 * on a task queue of its own; without one, in the in-memory time-skipping test server.
 */
public final class MirrorWorkflowHistoryRecorder {

    private static final RetrySettings FAST_RETRY = new RetrySettings(200, 2.0, 1000, 0);

    private final Path dir;
    private final String temporalAddress;

    private MirrorWorkflowHistoryRecorder(Path dir, String temporalAddress) {
        this.dir = dir;
        this.temporalAddress = temporalAddress;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/histories");
        Files.createDirectories(dir);
        MirrorWorkflowHistoryRecorder recorder = new MirrorWorkflowHistoryRecorder(dir, args.length > 1 ? args[1] : null);
        // A third argument records only the named scenarios (comma-separated method names), so
        // that adding one leaves the histories recorded by earlier versions as they are.
        java.util.Set<String> only = args.length > 2 ? java.util.Set.of(args[2].split(",")) : java.util.Set.of();
        if (!only.isEmpty()) {
            for (String scenario : only) {
                MirrorWorkflowHistoryRecorder.class.getDeclaredMethod(scenario).invoke(recorder);
            }
            System.out.println("recorded histories in " + dir.toAbsolutePath());
            System.exit(0);
        }
        recorder.maintenanceWindow();
        recorder.maintenanceWindowHoldingAUserPause();
        recorder.loadPauseResumeConfigTerminate();
        recorder.streamPauseResume();
        recorder.streamResync();
        recorder.configAndPauseCarriedThroughContinueAsNew();
        recorder.setupRetriedThenFailed();
        recorder.resyncAfterFailure();
        recorder.resumeAfterFailure();
        recorder.dropAfterFailure();
        recorder.teardownIncomplete();
        recorder.streamFailsAsItIsDropped();
        recorder.terminateWithTheFirstTask();
        recorder.ping();
        recorder.streamEditLoadPauseResume();
        recorder.editAppliedByResumeAfterFailure();
        recorder.streamResyncByUpdate();
        recorder.resyncAfterFailureByUpdateWithStart();
        recorder.resyncAfterFailureWithSavedEditByUpdateWithStart();
        recorder.streamWithTheDefaultHeartbeatTimeout();
        System.out.println("recorded histories in " + dir.toAbsolutePath());
        System.exit(0);
    }

    /** Load, pause at a partition boundary, resume, stream, new settings, terminate with the destination. */
    void loadPauseResumeConfigTerminate() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.partitions = 1000;
            MirrorWorkflow mirror = bench.start("load", MirrorState.initial(true, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.partitionsDone.get() >= 2);
            mirror.pause("recorded pause");
            waitFor(() -> bench.activities.phaseNames().contains("PAUSED"));
            bench.activities.partitions = bench.activities.partitionsDone.get() + 2;
            bench.current().resume();
            waitFor(() -> !bench.activities.streams.isEmpty());
            bench.current().updateConfig(new ConfigUpdate(10, null));
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(true);
            bench.save("mirror-load-pause-resume-config-terminate", Phase.TERMINATED);
        }
    }

    /**
     * Stream, a spec edit that adds a table (its load stopped by a pause at a partition boundary,
     * then finished after the resume), stream with the edited settings, terminate.
     */
    void streamEditLoadPauseResume() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.editPartitions = 1000;
            bench.start("edited", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().editSpec(new dev.mirrorflow.model.SpecEdit(List.of("public.items"), List.of("public.notes"),
                    true, 500, 2000, FAST_RETRY, "add public.items (loaded first); remove public.notes (recorded)"));
            waitFor(() -> bench.activities.editPartitionsDone.get() >= 2);
            bench.current().pause("recorded pause during the edit's load");
            waitFor(() -> bench.activities.phaseNames().contains("PAUSED"));
            bench.activities.editPartitions = bench.activities.editPartitionsDone.get() + 2;
            bench.current().resume();
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-stream-edit-pause-resume", Phase.TERMINATED);
        }
    }

    /** `mirror resume` of a FAILED mirror edited meanwhile: the new run applies the edit, then streams. */
    void editAppliedByResumeAfterFailure() throws Exception {
        try (Bench bench = bench()) {
            bench.start("repaired", MirrorState.resumeAfterFailure(1, 1000, 5000, FAST_RETRY, 4).withPendingEdit(
                    new dev.mirrorflow.model.SpecEdit(List.of(), List.of("public.doomed"), true, 1000, 5000, FAST_RETRY,
                            "remove public.doomed (recorded)")));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().terminate(false);
            bench.save("mirror-edit-resume-after-failure", Phase.TERMINATED);
        }
    }

    /**
     * Stream with the default heartbeat timeout (a state without its own: the
     * shorter-default-heartbeat-timeout marker), new settings (the next run records it too),
     * terminate.
     */
    void streamWithTheDefaultHeartbeatTimeout() throws Exception {
        try (Bench bench = bench()) {
            bench.start("heartbeat", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().updateConfig(new ConfigUpdate(500, null));
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-stream-default-heartbeat-timeout", Phase.TERMINATED);
        }
    }

    /** Stream, pause (the stream stops, the next run waits paused), resume, terminate. */
    void streamPauseResume() throws Exception {
        try (Bench bench = bench()) {
            bench.start("pause", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().pause("recorded pause");
            waitFor(() -> bench.activities.phaseNames().contains("PAUSED"));
            bench.current().resume();
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-stream-pause-resume", Phase.TERMINATED);
        }
    }

    /** Stream, resync (reset, setup and load of generation 2), stream again, terminate. */
    void streamResync() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.partitions = 2;
            bench.start("resync", MirrorState.initial(true, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().resync();
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-stream-resync", Phase.TERMINATED);
        }
    }

    /**
     * `mirror resync` of a streaming mirror: the startResync update stops the stream, and the same
     * run takes the resync up (reset, setup, load of generation 2) before it streams again.
     */
    void streamResyncByUpdate() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.partitions = 2;
            bench.start("resync-update", MirrorState.initial(true, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            int generation = bench.current().startResync();
            if (generation != 2) {
                throw new IllegalStateException("resync update answered generation " + generation);
            }
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-stream-resync-update", Phase.TERMINATED);
        }
    }

    /**
     * `mirror resync` of a FAILED mirror: a new run from the failed run's final state (batch size
     * 77 from an updateConfig), started together with the startResync update.
     */
    void resyncAfterFailureByUpdateWithStart() throws Exception {
        MirrorState failed = new MirrorState(Phase.FAILED, 1, true, true, null, false, false, false, false, 77,
                900, FAST_RETRY, "the source broke (recorded)", 0, 4, null, 0, 0);
        resyncByUpdateWithStart("refailed-update", failed.resyncAfterThisFailure(), "mirror-resync-after-failure-update");
    }

    /**
     * As {@link #resyncAfterFailureByUpdateWithStart}, with an edit saved meanwhile: the run applies
     * it, then takes the resync up itself with the edited settings (no continue-as-new between).
     */
    void resyncAfterFailureWithSavedEditByUpdateWithStart() throws Exception {
        MirrorState failed = new MirrorState(Phase.FAILED, 1, true, true, null, false, false, false, false, 1000,
                5000, FAST_RETRY, "the source broke (recorded)", 0, 4, null, 0, 0);
        resyncByUpdateWithStart("repaired-update", failed.resyncAfterThisFailure().withPendingEdit(
                new dev.mirrorflow.model.SpecEdit(List.of("public.added"), List.of(), true, 500, 2000, FAST_RETRY,
                        "add public.added (recorded)")), "mirror-resync-after-failure-edit-update");
    }

    private void resyncByUpdateWithStart(String scenario, MirrorState state, String fixture) throws Exception {
        try (Bench bench = bench()) {
            bench.activities.partitions = 2;
            MirrorWorkflow mirror = bench.client.newWorkflowStub(MirrorWorkflow.class, WorkflowOptions.newBuilder(
                    bench.options(scenario)).setWorkflowIdConflictPolicy(
                            io.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL).build());
            io.temporal.client.WithStartWorkflowOperation<MirrorState> start =
                    new io.temporal.client.WithStartWorkflowOperation<>(mirror::run,
                            new MirrorRef("recorded", state));
            io.temporal.client.WorkflowUpdateHandle<Integer> update = WorkflowClient.startUpdateWithStart(
                    mirror::startResync, io.temporal.client.UpdateOptions.<Integer>newBuilder()
                            .setWaitForStage(io.temporal.client.WorkflowUpdateStage.ACCEPTED).build(), start);
            update.getResult();
            bench.firstRun = update.getExecution();
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().terminate(false);
            bench.save(fixture, Phase.TERMINATED);
        }
    }

    /** New settings and a pause in one go: both travel through continue-as-new. */
    void configAndPauseCarriedThroughContinueAsNew() throws Exception {
        try (Bench bench = bench()) {
            bench.start("carried", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().updateConfig(new ConfigUpdate(500, 2000L));
            bench.current().pause("right behind the config change");
            waitFor(() -> bench.activities.phaseNames().contains("PAUSED"));
            bench.current().resume();
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-config-pause-continue-as-new", Phase.TERMINATED);
        }
    }

    /** Setup retried past a transient failure, then a problem the user must fix: FAILED. */
    void setupRetriedThenFailed() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.setupBehaviour = attempt -> {
                if (attempt < 3) {
                    throw ApplicationFailure.newFailure("source not reachable (recorded)", "SourceUnavailable");
                }
                throw ApplicationFailure.newNonRetryableFailure("table public.events has no primary key (recorded)",
                        "SourceConfiguration");
            };
            bench.start("failed", MirrorState.initial(true, 1000, 5000, FAST_RETRY));
            bench.save("mirror-setup-failed", Phase.FAILED);
        }
    }

    /** `mirror resync` of a FAILED mirror: a new run that resets, sets up, loads and streams. */
    void resyncAfterFailure() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.partitions = 2;
            bench.start("refailed", MirrorState.resyncAfterFailure(1, 1000, 5000, FAST_RETRY, 4));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().terminate(false);
            bench.save("mirror-resync-after-failure", Phase.TERMINATED);
        }
    }

    /** `mirror resume` of a mirror that FAILED while streaming: a new run that streams at once. */
    void resumeAfterFailure() throws Exception {
        try (Bench bench = bench()) {
            bench.start("resumed", MirrorState.resumeAfterFailure(1, 1000, 5000, FAST_RETRY, 4));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().terminate(false);
            bench.save("mirror-resume-after-failure", Phase.TERMINATED);
        }
    }

    /** `mirror drop` of a FAILED or forgotten mirror: a new run that only tears down. */
    void dropAfterFailure() throws Exception {
        try (Bench bench = bench()) {
            bench.start("dropped", MirrorState.dropAfterEnd(Phase.FAILED, 1, true, 1000, 5000, FAST_RETRY, 4));
            bench.save("mirror-drop-after-failure", Phase.TERMINATED);
        }
    }

    /** A drop whose teardown keeps failing: the mirror is recorded dropped with what was left. */
    void teardownIncomplete() throws Exception {
        try (Bench bench = bench()) {
            bench.activities.teardownBehaviour = attempt -> {
                throw ApplicationFailure.newFailure("mirror recorded could not remove replication slot "
                        + "mirrorflow_recorded (recorded); drop it by hand with: "
                        + "SELECT pg_drop_replication_slot('mirrorflow_recorded')", "TeardownIncomplete");
            };
            bench.start("leftover", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().terminate(false);
            bench.save("mirror-teardown-incomplete", Phase.TERMINATED);
        }
    }

    /** A drop whose stream fails as it is stopped (its source went away): the drop goes on. */
    void streamFailsAsItIsDropped() throws Exception {
        try (Bench bench = bench()) {
            // Non-retryable, so that the time-skipping server does not retry it after cancellation.
            bench.activities.streamFailureWhenCancelled = ApplicationFailure.newNonRetryableFailure(
                    "the source went away while streaming changes (recorded)", "SourceConfiguration");
            bench.start("gone", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().terminate(false);
            bench.save("mirror-stream-fails-as-dropped", Phase.TERMINATED);
        }
    }

    /** A drop right after create: the terminate signal is in the history before the first task. */
    void terminateWithTheFirstTask() throws Exception {
        try (Bench bench = bench()) {
            MirrorWorkflow mirror = bench.client.newWorkflowStub(MirrorWorkflow.class, bench.options("early"));
            BatchRequest request = bench.client.newSignalWithStartRequest();
            request.add(mirror::run, new MirrorRef("recorded",
                    MirrorState.initial(true, 1000, 5000, FAST_RETRY)));
            request.add(mirror::terminate, true);
            bench.firstRun = bench.client.signalWithStart(request);
            bench.save("mirror-terminate-with-first-task", Phase.TERMINATED);
        }
    }

    /**
     * A maintenance window: the streaming mirror is paused for it, a resume sent meanwhile is
     * refused and recorded, a second recorded mirror has no workflow; end resumes the first,
     * which streams again until it is terminated. Both chains are saved.
     */
    void maintenanceWindow() throws Exception {
        try (Bench bench = bench()) {
            bench.start("maintenance", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            String mirrorWorkflowId = bench.workflowId;
            WorkflowExecution mirrorRun = bench.firstRun;
            String name = mirrorWorkflowId.substring("mirror/".length());
            waitFor(() -> bench.activities.streams.size() == 1);
            String ours = MirrorWorkflow.maintenancePauseReason(FakeMaintenanceActivities.RUN_ID);
            bench.maintenance.active = List.of(name, "recorded-gone-" + UUID.randomUUID().toString().substring(0, 8));
            bench.maintenance.allPaused = () -> bench.activities.phases.stream()
                    .anyMatch(p -> p.phase() == Phase.PAUSED && ours.equals(p.reason()));
            String maintenanceId = "recorded-maintenance-" + UUID.randomUUID().toString().substring(0, 8);
            MaintenanceWorkflow maintenance = bench.client.newWorkflowStub(MaintenanceWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId(maintenanceId).setTaskQueue(bench.queue).build());
            WorkflowExecution maintenanceRun = WorkflowClient.start(maintenance::run,
                    new dev.mirrorflow.model.MaintenanceRequest("recorded window", "recorder@host", false));
            waitFor(() -> maintenance.status().stage().equals("on"));
            bench.current().resume();
            waitFor(() -> bench.activities.signals.size() == 1);
            maintenance.end();
            bench.client.newUntypedWorkflowStub(maintenanceId).getResult(Long.class);
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-maintenance-pause-refuse-resume", Phase.TERMINATED);
            bench.workflowId = maintenanceId;
            bench.firstRun = maintenanceRun;
            bench.writeChain("maintenance-window");
            bench.workflowId = mirrorWorkflowId;
            bench.firstRun = mirrorRun;
        }
    }

    /**
     * A window that holds a mirror its user paused (the window does not record it): a resume sent
     * past the CLI is refused, the window's end releases the hold, the user's resume then works.
     */
    void maintenanceWindowHoldingAUserPause() throws Exception {
        try (Bench bench = bench()) {
            bench.start("held", MirrorState.initial(false, 1000, 5000, FAST_RETRY));
            String mirrorWorkflowId = bench.workflowId;
            WorkflowExecution mirrorRun = bench.firstRun;
            String name = mirrorWorkflowId.substring("mirror/".length());
            waitFor(() -> bench.activities.streams.size() == 1);
            bench.current().pause("held by its owner (recorded)");
            waitFor(() -> bench.activities.phaseNames().contains("PAUSED"));
            bench.maintenance.active = List.of();
            bench.maintenance.unrecorded = List.of(name);
            String maintenanceId = "recorded-maintenance-" + UUID.randomUUID().toString().substring(0, 8);
            MaintenanceWorkflow maintenance = bench.client.newWorkflowStub(MaintenanceWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId(maintenanceId).setTaskQueue(bench.queue).build());
            WorkflowExecution maintenanceRun = WorkflowClient.start(maintenance::run,
                    new dev.mirrorflow.model.MaintenanceRequest("recorded window", "recorder@host", false));
            waitFor(() -> maintenance.status().stage().equals("on"));
            bench.current().resume();
            waitFor(() -> bench.activities.signals.size() == 1);
            maintenance.end();
            bench.client.newUntypedWorkflowStub(maintenanceId).getResult(Long.class);
            bench.current().resume();
            waitFor(() -> bench.activities.streams.size() == 2);
            bench.current().terminate(false);
            bench.save("mirror-maintenance-hold-user-pause", Phase.TERMINATED);
            bench.workflowId = maintenanceId;
            bench.firstRun = maintenanceRun;
            bench.writeChain("maintenance-window-holding");
            bench.workflowId = mirrorWorkflowId;
            bench.firstRun = mirrorRun;
        }
    }

    void ping() throws Exception {
        try (Bench bench = bench()) {
            PingWorkflow ping = bench.client.newWorkflowStub(PingWorkflow.class, bench.options("ping"));
            bench.firstRun = WorkflowClient.start(ping::ping);
            bench.client.newUntypedWorkflowStub(bench.workflowId).getResult(WorkerDescription.class);
            bench.writeChain("ping");
        }
    }

    private Bench bench() {
        return temporalAddress == null ? Bench.timeSkipping(dir) : Bench.onServer(dir, temporalAddress);
    }

    /** A worker with the fake activities on a task queue of its own, and a client. */
    private static final class Bench implements AutoCloseable {
        final Path dir;
        final WorkflowClient client;
        final String queue;
        final FakeMirrorActivities activities = new FakeMirrorActivities();
        final FakeMaintenanceActivities maintenance = new FakeMaintenanceActivities();
        private final AutoCloseable closer;
        String workflowId;
        WorkflowExecution firstRun;

        private Bench(Path dir, WorkflowClient client, String queue, Worker worker, Runnable start,
                AutoCloseable closer) {
            this.dir = dir;
            this.client = client;
            this.queue = queue;
            this.closer = closer;
            worker.registerWorkflowImplementationTypes(MirrorWorkflowImpl.class, PingWorkflowImpl.class,
                    MaintenanceWorkflowImpl.class);
            worker.registerActivitiesImplementations(activities, maintenance, (WorkerActivities) () -> new WorkerDescription(
                    "00000000-0000-4000-8000-000000000000", "recorded", "recorder-host",
                    "mirrorflow@recorder-host/recorded", true, "001"));
            start.run();
        }

        private static WorkerOptions workerOptions() {
            return WorkerOptions.newBuilder().setMaxHeartbeatThrottleInterval(Duration.ofMillis(100)).build();
        }

        static Bench timeSkipping(Path dir) {
            TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
            String queue = "recorder-" + UUID.randomUUID();
            return new Bench(dir, env.getWorkflowClient(), queue, env.newWorker(queue, workerOptions()), env::start,
                    env::close);
        }

        static Bench onServer(Path dir, String address) {
            WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
                    WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
            WorkflowClient client = WorkflowClient.newInstance(service,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build());
            WorkerFactory factory = WorkerFactory.newInstance(client);
            String queue = "recorder-" + UUID.randomUUID();
            return new Bench(dir, client, queue, factory.newWorker(queue, workerOptions()), factory::start, () -> {
                factory.shutdownNow();
                service.shutdownNow();
            });
        }

        WorkflowOptions options(String scenario) {
            workflowId = "mirror/recorded-" + scenario + "-" + UUID.randomUUID().toString().substring(0, 8);
            return WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(queue).build();
        }

        MirrorWorkflow start(String scenario, MirrorState state) {
            MirrorWorkflow mirror = client.newWorkflowStub(MirrorWorkflow.class, options(scenario));
            firstRun = WorkflowClient.start(mirror::run, new MirrorRef("recorded", state));
            return mirror;
        }

        /** The chain's current run, whichever it is after continue-as-new. */
        MirrorWorkflow current() {
            return client.newWorkflowStub(MirrorWorkflow.class, workflowId);
        }

        void save(String name, Phase expected) throws Exception {
            Phase result = client.newUntypedWorkflowStub(workflowId).getResult(MirrorState.class).phase();
            if (result != expected) {
                throw new IllegalStateException(name + " ended " + result + ", not " + expected);
            }
            writeChain(name);
        }

        /** Writes every run of the chain, following continue-as-new from the first. */
        void writeChain(String name) throws Exception {
            List<WorkflowExecutionHistory> runs = new ArrayList<>();
            String runId = firstRun.getRunId();
            while (runId != null) {
                WorkflowExecutionHistory history = client.fetchHistory(workflowId, runId);
                runs.add(history);
                HistoryEvent last = history.getLastEvent();
                runId = last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                        ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                        : null;
            }
            for (int i = 0; i < runs.size(); i++) {
                Files.writeString(dir.resolve(name + "-" + (i + 1) + ".json"), runs.get(i).toJson(true));
            }
            System.out.println(name + ": " + runs.size() + " run(s)");
        }

        @Override
        public void close() throws Exception {
            closer.close();
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("recording scenario did not progress");
            }
            Thread.sleep(20);
        }
    }
}
