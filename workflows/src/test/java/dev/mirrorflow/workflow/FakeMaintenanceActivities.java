package dev.mirrorflow.workflow;

import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MaintenanceSignals;
import dev.mirrorflow.workflow.activity.MaintenanceActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Maintenance activities without a catalog: the window's id is fixed, the active mirrors are
 * given, and the wait for them to pause heartbeats until the test says they have (or the wait
 * is cancelled). Everything they are asked is recorded.
 */
final class FakeMaintenanceActivities implements MaintenanceActivities {

    static final long RUN_ID = 7;

    final List<MaintenanceRequest> opened = new CopyOnWriteArrayList<>();
    final List<MaintenanceSignals> awaited = new CopyOnWriteArrayList<>();
    final List<MaintenanceSignals> closed = new CopyOnWriteArrayList<>();
    volatile List<String> active = List.of();
    volatile List<String> toResume;
    /** Live mirrors the window does not record; the window holds them. */
    volatile List<String> unrecorded = List.of();
    volatile BooleanSupplier allPaused = () -> true;
    volatile boolean waitCancelled;

    @Override
    public long open(MaintenanceRequest request) {
        opened.add(request);
        return RUN_ID;
    }

    @Override
    public List<String> recordActive(long runId) {
        return active;
    }

    @Override
    public List<String> unrecorded(long runId) {
        return unrecorded;
    }

    @Override
    public void awaitPaused(MaintenanceSignals paused) {
        awaited.add(paused);
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        while (!allPaused.getAsBoolean()) {
            try {
                Thread.sleep(20);
                ctx.heartbeat(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException cancelled) {
                waitCancelled = true;
                throw cancelled;
            }
        }
    }

    @Override
    public List<String> selectToResume(long runId) {
        return toResume == null ? active : toResume;
    }

    @Override
    public void close(MaintenanceSignals resumed) {
        closed.add(resumed);
    }
}
