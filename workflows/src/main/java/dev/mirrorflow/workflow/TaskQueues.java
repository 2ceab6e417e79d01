package dev.mirrorflow.workflow;

/** Names shared by workers and clients. */
public final class TaskQueues {

    /** The default task queue of mirrorflow workers (configurable). */
    public static final String DEFAULT = "mirrorflow";

    private TaskQueues() {}
}
