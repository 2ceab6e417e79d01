package dev.mirrorflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded histories of the mirror and ping workflows against the current code: a change
 * that would break running workflows (a renamed signal or activity, a reordered or added command)
 * fails here. The histories are recorded by {@link MirrorWorkflowHistoryRecorder}, every run of
 * each continue-as-new chain; the two without a run number were recorded by earlier code and
 * stay, as proof that runs started by it still replay.
 */
class MirrorWorkflowReplayTest {

    private static final Path DIR = Path.of("src/test/resources/histories");

    static Stream<Path> histories() throws IOException {
        assertThat(DIR).isDirectory();
        return Files.list(DIR).filter(p -> p.toString().endsWith(".json")).sorted();
    }

    @ParameterizedTest
    @MethodSource("histories")
    void shouldReplayRecordedHistoryWithoutNondeterminism(Path history) throws Exception {
        WorkflowReplayer.replayWorkflowExecution(Files.readString(history), MirrorWorkflowImpl.class,
                PingWorkflowImpl.class, MaintenanceWorkflowImpl.class);
    }

    /** Guards the guard: the fixtures must keep covering every activity, signal and ending. */
    @Test
    void shouldCoverEveryActivitySignalAndEndingOfTheWorkflows() throws Exception {
        Set<String> workflowTypes = new HashSet<>();
        Set<String> activities = new HashSet<>();
        Set<String> signals = new HashSet<>();
        Set<String> results = new HashSet<>();
        Set<String> updates = new HashSet<>();
        Set<String> versionChanges = new HashSet<>();
        boolean continuedAsNew = false;
        boolean signalBeforeFirstTask = false;
        for (Path file : histories().toList()) {
            WorkflowExecutionHistory history = WorkflowExecutionHistory.fromJson(Files.readString(file));
            List<HistoryEvent> events = history.getEvents();
            boolean taskCompleted = false;
            for (HistoryEvent e : events) {
                switch (e.getEventType()) {
                    case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ->
                            workflowTypes.add(e.getWorkflowExecutionStartedEventAttributes().getWorkflowType().getName());
                    case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ->
                            activities.add(e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
                    case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> {
                        signals.add(e.getWorkflowExecutionSignaledEventAttributes().getSignalName());
                        signalBeforeFirstTask |= !taskCompleted;
                    }
                    case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED -> updates.add(e
                            .getWorkflowExecutionUpdateAcceptedEventAttributes().getAcceptedRequest().getInput().getName());
                    case EVENT_TYPE_MARKER_RECORDED -> {
                        if (e.getMarkerRecordedEventAttributes().getDetailsMap().containsKey("changeId")) {
                            versionChanges.add(e.getMarkerRecordedEventAttributes().getDetailsMap().get("changeId")
                                    .getPayloads(0).getData().toStringUtf8());
                        }
                    }
                    case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> taskCompleted = true;
                    case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> continuedAsNew = true;
                    case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> results.add(e.getWorkflowExecutionCompletedEventAttributes()
                            .getResult().getPayloads(0).getData().toStringUtf8());
                    default -> { }
                }
            }
        }
        assertThat(workflowTypes).contains(MirrorWorkflow.TYPE, PingWorkflow.TYPE, MaintenanceWorkflow.TYPE);
        assertThat(activities).contains("SetUpMirror", "LoadSnapshot", "StreamChanges", "ResetForResync",
                "TearDownMirror", "RecordPhase", "RecordOutcome", "DescribeWorker", "RecordSignal",
                "OpenMaintenance", "RecordActiveMirrors", "AwaitMirrorsPaused", "SelectMirrorsToResume",
                "CloseMaintenance");
        assertThat(signals).contains("pause", "resume", "terminate", "resync", "updateConfig",
                "resumeAfterMaintenance", "end");
        assertThat(updates).contains(MirrorWorkflow.START_RESYNC);
        assertThat(versionChanges).contains("\"" + MirrorWorkflowImpl.RESYNC_IN_THE_STOPPED_RUN + "\"",
                "\"" + MirrorWorkflowImpl.SHORTER_DEFAULT_HEARTBEAT_TIMEOUT + "\"");
        // Runs recorded before runs returned their final state returned the final phase.
        assertThat(results).contains("\"TERMINATED\"", "\"FAILED\"");
        assertThat(continuedAsNew).isTrue();
        assertThat(signalBeforeFirstTask).as("a signal that arrives with the run's first task").isTrue();
    }

    @Test
    void shouldKeepEveryRunOfEachRecordedChain() throws Exception {
        // A chain's later runs start from the state the earlier ones carried; each is a fixture.
        for (Path file : histories().toList()) {
            String name = file.getFileName().toString();
            if (!name.matches(".*-\\d+\\.json")) {
                continue;
            }
            int run = Integer.parseInt(name.replaceAll(".*-(\\d+)\\.json", "$1"));
            if (run > 1) {
                assertThat(file.resolveSibling(name.replaceAll("-\\d+\\.json$", "-" + (run - 1) + ".json")))
                        .as("the run before " + name).exists();
            }
            WorkflowExecutionHistory history = WorkflowExecutionHistory.fromJson(Files.readString(file));
            boolean continued = history.getLastEvent().getEventType()
                    == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW;
            if (continued) {
                assertThat(file.resolveSibling(name.replaceAll("-\\d+\\.json$", "-" + (run + 1) + ".json")))
                        .as("the run after " + name).exists();
            }
        }
    }
}
