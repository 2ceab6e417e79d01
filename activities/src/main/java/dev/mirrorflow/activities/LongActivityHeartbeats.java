package dev.mirrorflow.activities;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor.ActivityOutput;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Heartbeats every activity that has a heartbeat timeout (loads, streams, setup, edits) once a
 * second from a thread of the worker for as long as it runs, besides the beats of its own work.
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
        ScheduledFuture<?> keepAlive = beats.scheduleAtFixedRate(heartbeat::keepAlive, 1, 1, TimeUnit.SECONDS);
        try {
            return execution.proceed();
        } finally {
            keepAlive.cancel(false);
            ActivityHeartbeat.forget();
        }
    }

    @Override
    public void close() {
        beats.shutdownNow();
    }
}
