package dev.mirrorflow.activities;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor.ActivityOutput;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Heartbeats every activity that has a heartbeat timeout (loads, streams, setup, edits) from a
 * thread of the worker whenever a beat is due (every second while its work reports progress,
 * every {@link ActivityHeartbeat#idleInterval} while it waits) for as long as it runs, besides
 * the beats of its own work. The thread wakes only when a beat is due.
 * A heartbeat timeout then measures whether the worker is alive, not whether each database call
 * returns within it: a short timeout moves the work of a killed worker on
 * quickly (8 s by default), and a long batch or a slot wait on a live worker is not taken for a dead one. A call
 * that hangs is bounded by its connection's own timeouts instead.
 */
public final class LongActivityHeartbeats extends AroundActivities implements AutoCloseable {

    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mirrorflow-activity-heartbeats");
        t.setDaemon(true);
        return t;
    });

    @Override
    protected ActivityOutput around(ActivityExecutionContext context, Execution execution) {
        if (context.getInfo().isLocal() || context.getInfo().getHeartbeatTimeout().isZero()) {
            return execution.proceed();
        }
        ActivityHeartbeat heartbeat = new ActivityHeartbeat(context);
        ActivityHeartbeat.keepOnThisThread(heartbeat);
        KeepAlive keepAlive = new KeepAlive(heartbeat);
        keepAlive.scheduleIn(ActivityHeartbeat.BUSY_INTERVAL.toNanos());
        try {
            return execution.proceed();
        } finally {
            keepAlive.cancel();
            ActivityHeartbeat.forget();
        }
    }

    /** The beats of one activity: each run beats if due and schedules the next for when it is. */
    private final class KeepAlive implements Runnable {

        private final ActivityHeartbeat heartbeat;
        private volatile boolean cancelled;
        private volatile ScheduledFuture<?> next;

        KeepAlive(ActivityHeartbeat heartbeat) {
            this.heartbeat = heartbeat;
        }

        @Override
        public void run() {
            if (!cancelled) {
                // Not sooner than every 100 ms, should the clock or a beat of the work race this one.
                scheduleIn(Math.max(heartbeat.keepAlive(), TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }

        void scheduleIn(long nanos) {
            try {
                next = beats.schedule(this, nanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                return; // The worker is closing: its activities are being stopped.
            }
            if (cancelled) {
                next.cancel(false);
            }
        }

        void cancel() {
            cancelled = true;
            ScheduledFuture<?> scheduled = next;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }

    @Override
    public void close() {
        beats.shutdownNow();
    }
}
