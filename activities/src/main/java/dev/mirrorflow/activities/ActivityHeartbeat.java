package dev.mirrorflow.activities;

import dev.mirrorflow.connector.Heartbeat;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeats a long activity at most once a second and remembers when Temporal answered that
 * the activity should stop (cancelled by a pause, terminate or resync, or the worker shutting
 * down). The work loop checks {@link #stopRequested()} at its boundaries.
 *
 * <p>Under {@link LongActivityHeartbeats} a thread of the worker also beats every second while
 * the activity runs ({@link #keepAlive}), so that a load, a batch or a slot wait blocked on a
 * database does not look like a dead worker to a heartbeat timeout of a few seconds.
 */
final class ActivityHeartbeat implements Heartbeat {

    private static final Logger log = LoggerFactory.getLogger(ActivityHeartbeat.class);
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    /** The heartbeat {@link LongActivityHeartbeats} keeps alive for the activity on this thread. */
    private static final ThreadLocal<ActivityHeartbeat> KEPT_ALIVE = new ThreadLocal<>();

    private final ActivityExecutionContext context;
    private long last;
    private Object lastProgress;
    private volatile boolean stopRequested;
    private volatile Runnable onStop;

    ActivityHeartbeat(ActivityExecutionContext context) {
        this.context = context;
        this.last = System.nanoTime() - INTERVAL_NANOS;
    }

    /** The heartbeat of the activity running on this thread: the kept-alive one if there is one. */
    static ActivityHeartbeat of(ActivityExecutionContext context) {
        ActivityHeartbeat kept = KEPT_ALIVE.get();
        return kept != null ? kept : new ActivityHeartbeat(context);
    }

    /** Makes {@code heartbeat} the one {@link #of} returns on this thread until {@link #forget}. */
    static void keepOnThisThread(ActivityHeartbeat heartbeat) {
        KEPT_ALIVE.set(heartbeat);
    }

    static void forget() {
        KEPT_ALIVE.remove();
    }

    /** Heartbeats with the given progress unless one was sent less than a second ago. */
    @Override
    public synchronized void beat(Object progress) {
        lastProgress = progress;
        send(System.nanoTime());
    }

    /**
     * Heartbeats with the last progress given if no beat was sent for a second: called every
     * second from another thread than the activity's while it runs.
     */
    synchronized void keepAlive() {
        try {
            send(System.nanoTime());
        } catch (RuntimeException e) {
            // The next second tries again; the work's own beats report what matters.
            log.debug("heartbeat of activity {} failed: {}", context.getInfo().getActivityType(), e.getMessage());
        }
    }

    private void send(long now) {
        if (now - last < INTERVAL_NANOS) {
            return;
        }
        last = now;
        try {
            context.heartbeat(lastProgress);
        } catch (ActivityCompletionException stop) {
            stopped();
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            // The worker is shutting down (SIGTERM) and the SDK's heartbeat scheduler is gone
            // already: the same as being told to stop, so the stream ends at this batch boundary
            // and is handed over, rather than failing the activity with the scheduler's error.
            stopped();
        }
    }

    private void stopped() {
        boolean first = !stopRequested;
        stopRequested = true;
        Runnable action = onStop;
        if (first && action != null) {
            action.run();
        }
    }

    @Override
    public void onStopRequested(Runnable action) {
        onStop = action;
        if (stopRequested && action != null) {
            action.run();
        }
    }

    @Override
    public boolean stopRequested() {
        return stopRequested;
    }
}
