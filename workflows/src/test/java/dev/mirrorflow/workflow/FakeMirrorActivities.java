package dev.mirrorflow.workflow;

import dev.mirrorflow.model.EditRequest;
import dev.mirrorflow.model.EditResult;
import dev.mirrorflow.model.LoadRequest;
import dev.mirrorflow.model.LoadResult;
import dev.mirrorflow.model.MirrorOutcomeRecord;
import dev.mirrorflow.model.PhaseChange;
import dev.mirrorflow.model.SignalNote;
import dev.mirrorflow.model.StreamRequest;
import dev.mirrorflow.model.TeardownRequest;
import dev.mirrorflow.workflow.activity.MirrorActivities;
import dev.mirrorflow.workflow.activity.MirrorCatalogActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Activities that behave like the real ones where the workflow can tell: long ones heartbeat
 * and stop at a boundary when cancelled. Everything they are asked is recorded.
 */
final class FakeMirrorActivities implements MirrorActivities, MirrorCatalogActivities {

    final List<PhaseChange> phases = new CopyOnWriteArrayList<>();
    final List<MirrorOutcomeRecord> outcomes = new CopyOnWriteArrayList<>();
    final List<LoadRequest> loads = new CopyOnWriteArrayList<>();
    final List<StreamRequest> streams = new CopyOnWriteArrayList<>();
    final List<LoadRequest> resets = new CopyOnWriteArrayList<>();
    final List<TeardownRequest> teardowns = new CopyOnWriteArrayList<>();
    final List<Integer> setupAttempts = new CopyOnWriteArrayList<>();
    final List<EditRequest> edits = new CopyOnWriteArrayList<>();
    /** Partitions an edit's load of added tables has; each takes one heartbeat round. */
    volatile int editPartitions = 2;
    final AtomicInteger editPartitionsDone = new AtomicInteger();
    final List<SignalNote> signals = new CopyOnWriteArrayList<>();

    /** Called with the attempt number at each setup; may throw. */
    volatile IntConsumer setupBehaviour = attempt -> {};
    /** Called with the attempt number at each teardown; may throw. */
    volatile IntConsumer teardownBehaviour = attempt -> {};
    /**
     * When set, a cancelled stream fails with it instead of stopping, as a stream whose source
     * went away just as it was stopped does. The test server retries a retryable one even after
     * cancellation (the real server does not), so tests give a non-retryable one.
     */
    volatile RuntimeException streamFailureWhenCancelled;
    /** When set, the stream fails with it at its next batch, as a stream whose source broke does. */
    volatile RuntimeException streamFailure;
    /** Partitions the load has; each takes one heartbeat round. */
    volatile int partitions = 3;
    final AtomicInteger partitionsDone = new AtomicInteger();

    @Override
    public void recordPhase(PhaseChange change) {
        // A retried write with the same key is a no-op, as in the catalog.
        if (phases.stream().noneMatch(p -> p.idempotencyKey().equals(change.idempotencyKey()))) {
            phases.add(change);
        }
    }

    @Override
    public void recordOutcome(MirrorOutcomeRecord outcome) {
        outcomes.add(outcome);
    }

    @Override
    public void recordSignal(SignalNote note) {
        if (signals.stream().noneMatch(n -> n.idempotencyKey().equals(note.idempotencyKey()))) {
            signals.add(note);
        }
    }

    @Override
    public void setUp(String mirror) {
        setupAttempts.add(Activity.getExecutionContext().getInfo().getAttempt());
        setupBehaviour.accept(Activity.getExecutionContext().getInfo().getAttempt());
    }

    @Override
    public LoadResult load(LoadRequest request) {
        loads.add(request);
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        while (partitionsDone.get() < partitions) {
            pauseBriefly();
            partitionsDone.incrementAndGet();
            try {
                ctx.heartbeat(partitionsDone.get());
            } catch (ActivityCompletionException cancelled) {
                // Stop at this partition boundary, as the real load does.
                return new LoadResult(false, partitionsDone.get() * 10L, partitionsDone.get(), partitions);
            }
        }
        return new LoadResult(true, partitions * 10L, partitions, partitions);
    }

    @Override
    public void stream(StreamRequest request) {
        streams.add(request);
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        while (true) {
            pauseBriefly();
            if (streamFailure != null) {
                throw streamFailure;
            }
            try {
                ctx.heartbeat(null); // throws when cancelled: the batch boundary
            } catch (ActivityCompletionException cancelled) {
                if (streamFailureWhenCancelled != null) {
                    throw streamFailureWhenCancelled;
                }
                throw cancelled;
            }
        }
    }

    @Override
    public EditResult applyEdit(EditRequest request) {
        edits.add(request);
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        while (request.loadAddedTables() && editPartitionsDone.get() < editPartitions) {
            pauseBriefly();
            editPartitionsDone.incrementAndGet();
            try {
                ctx.heartbeat(editPartitionsDone.get());
            } catch (ActivityCompletionException cancelled) {
                return new EditResult(false, editPartitionsDone.get() * 10L);
            }
        }
        return new EditResult(true, request.loadAddedTables() ? editPartitions * 10L : 0);
    }

    @Override
    public void resetForResync(LoadRequest nextLoad) {
        resets.add(nextLoad);
        partitionsDone.set(0);
    }

    @Override
    public void tearDown(TeardownRequest request) {
        teardowns.add(request);
        teardownBehaviour.accept(Activity.getExecutionContext().getInfo().getAttempt());
    }

    List<String> phaseNames() {
        return phases.stream().map(p -> p.phase().name()).toList();
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
