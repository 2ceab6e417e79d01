package dev.mirrorflow.worker;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.mirrorflow.model.MirrorRef;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.workflow.MirrorWorkflow;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskScheduledEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskStartedEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.worker.Worker;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies, when the worker starts, what a fresh worker's first mirror otherwise waits for on
 * first use: it runs a new mirror's first workflow task once in the worker's own process, by
 * replaying a made-up history of it (nothing goes to Temporal, nothing to the catalog: workflow
 * code does no I/O, and replaying schedules no activity), and has the data converter read each
 * activity's parameter types once. A fresh worker took 0.7-0.8 s for the first workflow task of
 * the first mirror it got, against ~35 ms for the next ones: the SDK's workflow machinery,
 * protobuf's descriptors and the data converter's Jackson introspection of {@link MirrorState}
 * all start on first use. A user who starts a worker and creates a mirror (the quickstart), and
 * the mirrors a restarted worker picks up again, waited for that.
 */
final class WorkerWarmUp {

    private static final Logger log = LoggerFactory.getLogger(WorkerWarmUp.class);

    /**
     * The workflow id of the made-up history; no mirror has it, since mirror ids are {@code
     * mirror/<name>}, and tracing leaves it out.
     */
    static final String WORKFLOW_ID = dev.mirrorflow.telemetry.TemporalTracing.WARM_UP_WORKFLOW_ID;

    private WorkerWarmUp() {}

    /** Starts {@link #replayFirstTask} on a daemon thread of its own; it only logs a failure, at debug. */
    static Thread inBackground(Worker worker, DataConverter converter, dev.mirrorflow.catalog.Catalog catalog) {
        Thread thread = new Thread(() -> {
            try {
                replayFirstTask(worker, converter);
                readActivityParameters(converter);
                catalog.warmUp();
            } catch (Exception | LinkageError e) {
                // Only a head start: the first real workflow task does the same work itself.
                log.debug("warming up the workflow code failed", e);
            }
        }, "mirrorflow-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
        return thread;
    }

    /**
     * Replays the first workflow task of a mirror that loads and streams with the default
     * settings, on {@code worker}; returns once it ran.
     *
     * @throws Exception when the replay failed (the workflow code did not run as it would)
     */
    static void replayFirstTask(Worker worker, DataConverter converter) throws Exception {
        worker.replayWorkflowExecution(firstTaskHistory(worker.getTaskQueue(), converter));
        // A record's first equals, hashCode and toString bootstrap java.lang.runtime.ObjectMethods,
        // which spins method handle classes (~60 ms of a first setup, where policies are compared).
        MirrorRef one = sampleRef();
        MirrorRef other = sampleRef();
        if (!one.equals(other) || one.hashCode() != other.hashCode() || one.toString().isEmpty()) {
            throw new IllegalStateException("two equal mirror refs differ");
        }
    }

    private static MirrorRef sampleRef() {
        return new MirrorRef("warm-up", MirrorState.initial(true, dev.mirrorflow.model.MirrorSpec.DEFAULT_BATCH_SIZE,
                dev.mirrorflow.model.MirrorSpec.DEFAULT_IDLE_TIMEOUT.toMillis(), RetrySettings.DEFAULT));
    }

    /** The activity interfaces whose parameters a worker reads from payloads. */
    static final java.util.List<Class<?>> ACTIVITY_INTERFACES = java.util.List.of(
            dev.mirrorflow.workflow.activity.MirrorActivities.class,
            dev.mirrorflow.workflow.activity.MirrorCatalogActivities.class,
            dev.mirrorflow.workflow.activity.WorkerActivities.class,
            dev.mirrorflow.workflow.activity.MaintenanceActivities.class);

    /**
     * Reads a JSON null as each parameter of each activity method: the converter's JSON reader
     * builds its deserializer for the type (the introspection a first activity of that kind did).
     *
     * @return how many parameter types were read
     */
    static int readActivityParameters(DataConverter converter) {
        io.temporal.api.common.v1.Payload jsonNull = io.temporal.api.common.v1.Payload.newBuilder()
                .putMetadata(io.temporal.common.converter.EncodingKeys.METADATA_ENCODING_KEY,
                        com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFromUtf8("null"))
                .build();
        int read = 0;
        for (Class<?> activities : ACTIVITY_INTERFACES) {
            for (java.lang.reflect.Method method : activities.getMethods()) {
                Class<?>[] types = method.getParameterTypes();
                java.lang.reflect.Type[] generic = method.getGenericParameterTypes();
                for (int i = 0; i < types.length; i++) {
                    if (types[i].isPrimitive()) {
                        continue;
                    }
                    converter.fromPayload(jsonNull, types[i], generic[i]);
                    read++;
                }
            }
        }
        return read;
    }

    /** The history of a mirror workflow up to its first workflow task, as Temporal would hand it over. */
    static WorkflowExecutionHistory firstTaskHistory(String taskQueue, DataConverter converter) {
        MirrorRef ref = sampleRef();
        String runId = UUID.randomUUID().toString();
        com.google.protobuf.Timestamp now = Timestamps.fromMillis(System.currentTimeMillis());
        TaskQueue queue = TaskQueue.newBuilder().setName(taskQueue).build();
        HistoryEvent started = HistoryEvent.newBuilder()
                .setEventId(1)
                .setEventTime(now)
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
                .setWorkflowExecutionStartedEventAttributes(WorkflowExecutionStartedEventAttributes.newBuilder()
                        .setWorkflowType(WorkflowType.newBuilder().setName(MirrorWorkflow.TYPE))
                        .setTaskQueue(queue)
                        .setInput(converter.toPayloads(ref).orElseThrow())
                        .setWorkflowTaskTimeout(Durations.fromSeconds(10))
                        .setOriginalExecutionRunId(runId)
                        .setFirstExecutionRunId(runId)
                        .setAttempt(1)
                        .setIdentity("mirrorflow-warm-up"))
                .build();
        HistoryEvent scheduled = HistoryEvent.newBuilder()
                .setEventId(2)
                .setEventTime(now)
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
                .setWorkflowTaskScheduledEventAttributes(WorkflowTaskScheduledEventAttributes.newBuilder()
                        .setTaskQueue(queue)
                        .setStartToCloseTimeout(Durations.fromSeconds(10))
                        .setAttempt(1))
                .build();
        HistoryEvent taskStarted = HistoryEvent.newBuilder()
                .setEventId(3)
                .setEventTime(now)
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                        .setScheduledEventId(2)
                        .setIdentity("mirrorflow-warm-up")
                        .setRequestId(UUID.randomUUID().toString()))
                .build();
        HistoryEvent taskCompleted = HistoryEvent.newBuilder()
                .setEventId(4)
                .setEventTime(now)
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                .setWorkflowTaskCompletedEventAttributes(
                        io.temporal.api.history.v1.WorkflowTaskCompletedEventAttributes.newBuilder()
                                .setScheduledEventId(2)
                                .setStartedEventId(3)
                                .setIdentity("mirrorflow-warm-up"))
                .build();
        return new WorkflowExecutionHistory(History.newBuilder().addEvents(started).addEvents(scheduled)
                .addEvents(taskStarted).addEvents(taskCompleted).build(), WORKFLOW_ID);
    }
}
