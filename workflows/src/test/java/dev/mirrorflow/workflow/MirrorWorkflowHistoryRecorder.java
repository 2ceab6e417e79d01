package dev.mirrorflow.workflow;

import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.RetrySettings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Records the histories MirrorWorkflowReplayTest replays. Run it only when the workflow
 * changed on purpose in a way old histories need not replay (then say so in the commit):
 * {@code mvn -pl workflows test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.mirrorflow.workflow.MirrorWorkflowHistoryRecorder}.
 */
public final class MirrorWorkflowHistoryRecorder {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/histories");
        Files.createDirectories(dir);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker worker = env.newWorker(TaskQueues.DEFAULT, WorkerOptions.newBuilder()
                    .setMaxHeartbeatThrottleInterval(Duration.ofMillis(100)).build());
            worker.registerWorkflowImplementationTypes(MirrorWorkflowImpl.class);
            FakeMirrorActivities activities = new FakeMirrorActivities();
            activities.partitions = 1000;
            worker.registerActivitiesImplementations(activities);
            env.start();

            MirrorWorkflow mirror = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId("mirror/recorded").setTaskQueue(TaskQueues.DEFAULT).build());
            WorkflowClient.start(mirror::run,
                    new MirrorRef("recorded", MirrorState.initial(true, 1000, 5000, RetrySettings.DEFAULT)));
            WorkflowStub stub = WorkflowStub.fromTyped(mirror);
            String firstRun = stub.getExecution().getRunId();
            waitFor(() -> activities.partitionsDone.get() >= 2);
            mirror.pause("recorded pause");
            waitFor(() -> activities.phaseNames().contains("PAUSED"));
            activities.partitions = activities.partitionsDone.get() + 2;
            mirror.resume();
            waitFor(() -> !activities.streams.isEmpty());
            MirrorWorkflow current = env.getWorkflowClient().newWorkflowStub(MirrorWorkflow.class, "mirror/recorded");
            current.updateConfig(new dev.mirrorflow.model.ConfigUpdate(10, null));
            waitFor(() -> activities.streams.size() == 2);
            current.terminate(true);
            WorkflowStub latest = env.getWorkflowClient().newUntypedWorkflowStub("mirror/recorded");
            latest.getResult(dev.mirrorflow.model.Phase.class);
            String lastRun = latest.describe().getExecution().getRunId();

            WorkflowExecutionHistory pauseAndResume = env.getWorkflowClient().fetchHistory("mirror/recorded", firstRun);
            WorkflowExecutionHistory terminated = env.getWorkflowClient().fetchHistory("mirror/recorded", lastRun);
            Files.writeString(dir.resolve("mirror-load-pause-resume.json"), pauseAndResume.toJson(true));
            Files.writeString(dir.resolve("mirror-stream-terminate.json"), terminated.toJson(true));
            System.out.println("recorded histories in " + dir.toAbsolutePath());
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("recording scenario did not progress");
            }
            Thread.sleep(20);
        }
    }
}
