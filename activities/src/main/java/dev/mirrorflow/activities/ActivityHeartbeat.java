package dev.mirrorflow.activities;

import dev.mirrorflow.connector.Heartbeat;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;

/**
 * Heartbeats a long activity at most once a second and remembers when Temporal answered that
 * the activity should stop (cancelled by a pause, terminate or resync, or the worker shutting
 * down). The work loop checks {@link #stopRequested()} at its boundaries.
 */
final class ActivityHeartbeat implements Heartbeat {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final ActivityExecutionContext context;
    private long last;
    private volatile boolean stopRequested;

    ActivityHeartbeat(ActivityExecutionContext context) {
        this.context = context;
        this.last = System.nanoTime() - INTERVAL_NANOS;
    }

    /** Heartbeats with the given progress unless one was sent less than a second ago. */
    @Override
    public void beat(Object progress) {
        long now = System.nanoTime();
        if (now - last < INTERVAL_NANOS) {
            return;
        }
        last = now;
        try {
            context.heartbeat(progress);
        } catch (ActivityCompletionException stop) {
            stopRequested = true;
        }
    }

    @Override
    public boolean stopRequested() {
        return stopRequested;
    }
}
