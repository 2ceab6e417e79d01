package dev.mirrorflow.activities;

import dev.mirrorflow.connector.Heartbeat;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeats a long activity at most once a second while its work reports progress, and at
 * most every {@link #idleInterval} while it only waits, and remembers when Temporal answered
 * that the activity should stop (cancelled by a pause, terminate or resync, or the worker
 * shutting down). The work loop checks {@link #stopRequested()} at its boundaries.
 *
 * <p>Temporal tells an activity to stop only in the answer to a heartbeat, so the interval is
 * also how long a stop waits to be heard. An idle stream heartbeating every second was most of
 * what an idle worker cost (each beat is a call to Temporal); beating a quarter of the heartbeat
 * timeout apart while idle, 2 s for the default 8 s and never more than 3 s, halves that and
 * keeps a pause of an idle mirror within a few seconds.
 *
 * <p>Under {@link LongActivityHeartbeats} a thread of the worker also beats when a beat is due
 * while the activity runs ({@link #keepAlive}), so that a load, a batch or a slot wait blocked on a
 * database does not look like a dead worker to a heartbeat timeout of a few seconds.
 */
final class ActivityHeartbeat implements Heartbeat {

    private static final Logger log = LoggerFactory.getLogger(ActivityHeartbeat.class);
    /** The interval while the work reports progress (a batch applied, a partition copied). */
    static final Duration BUSY_INTERVAL = Duration.ofSeconds(1);
    /** The longest interval while idle, however long the heartbeat timeout: the stop's latency. */
    static final Duration MAX_IDLE_INTERVAL = Duration.ofSeconds(3);

    /** The heartbeat {@link LongActivityHeartbeats} keeps alive for the activity on this thread. */
    private static final ThreadLocal<ActivityHeartbeat> KEPT_ALIVE = new ThreadLocal<>();

    private final ActivityExecutionContext context;
    private final LongSupplier nanoTime;
    private final long idleIntervalNanos;
    private long last;
    private Object lastProgress;
    /** Whether a beat since the last one sent reported progress (details other than null). */
    private boolean progressed;
    private volatile boolean stopRequested;
    private volatile Runnable onStop;

    ActivityHeartbeat(ActivityExecutionContext context) {
        this(context, System::nanoTime);
    }

    /** With the clock {@code nanoTime} (tests give their own). */
    ActivityHeartbeat(ActivityExecutionContext context, LongSupplier nanoTime) {
        this.context = context;
        this.nanoTime = nanoTime;
        this.idleIntervalNanos = idleInterval(context.getInfo().getHeartbeatTimeout()).toNanos();
        // The first beat goes at once.
        this.last = nanoTime.getAsLong() - Math.max(idleIntervalNanos, BUSY_INTERVAL.toNanos());
    }

    /**
     * The interval between the beats of an activity whose work reports no progress: a quarter of
     * its heartbeat timeout, so that two beats may go missing before Temporal gives up on the
     * worker, from {@link #BUSY_INTERVAL} to {@link #MAX_IDLE_INTERVAL}.
     */
    static Duration idleInterval(Duration heartbeatTimeout) {
        Duration quarter = heartbeatTimeout.dividedBy(4);
        if (quarter.compareTo(BUSY_INTERVAL) < 0) {
            return BUSY_INTERVAL;
        }
        return quarter.compareTo(MAX_IDLE_INTERVAL) > 0 ? MAX_IDLE_INTERVAL : quarter;
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

    /**
     * Heartbeats with the given progress if a beat is due: a second after the last one if this
     * or an earlier beat since brought progress (details other than null), else the idle interval.
     */
    @Override
    public synchronized void beat(Object progress) {
        lastProgress = progress;
        progressed |= progress != null;
        send(nanoTime.getAsLong());
    }

    /**
     * Heartbeats with the last progress given if a beat is due: called from another thread than
     * the activity's while it runs, when the delay this returned has passed.
     *
     * @return the nanoseconds until the next beat is due, as things stand now
     */
    synchronized long keepAlive() {
        try {
            send(nanoTime.getAsLong());
        } catch (RuntimeException e) {
            // The next beat tries again; the work's own beats report what matters.
            log.debug("heartbeat of activity {} failed: {}", context.getInfo().getActivityType(), e.getMessage());
        }
        return Math.max(0, last + interval() - nanoTime.getAsLong());
    }

    private long interval() {
        return progressed ? BUSY_INTERVAL.toNanos() : idleIntervalNanos;
    }

    private void send(long now) {
        if (now - last < interval()) {
            return;
        }
        last = now;
        progressed = false;
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
