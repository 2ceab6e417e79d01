package dev.mirrorflow.workflow;

import dev.mirrorflow.model.WorkerDescription;
import dev.mirrorflow.workflow.activity.WorkerActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public final class PingWorkflowImpl implements PingWorkflow {

    // A ping answers quickly or not at all: no long retries hide a broken worker.
    private final WorkerActivities worker = Workflow.newActivityStub(WorkerActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(10))
                    .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
                    .build());

    @Override
    public WorkerDescription ping() {
        return worker.describe();
    }
}
