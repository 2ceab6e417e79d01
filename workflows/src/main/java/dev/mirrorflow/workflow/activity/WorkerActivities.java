package dev.mirrorflow.workflow.activity;

import dev.mirrorflow.model.WorkerDescription;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Activities about the worker process itself. */
@ActivityInterface
public interface WorkerActivities {

    /**
     * Describes the worker running this activity, after checking that it reaches the catalog.
     * Do not rename: the activity type name is recorded in Temporal histories.
     */
    @ActivityMethod(name = "DescribeWorker")
    WorkerDescription describe();
}
