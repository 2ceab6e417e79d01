package dev.mirrorflow.workflow.activity;

import dev.mirrorflow.model.MirrorOutcomeRecord;
import dev.mirrorflow.model.PhaseChange;
import dev.mirrorflow.model.SignalNote;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Writes a mirror's story into the catalog, so that status and history never depend on
 * Temporal's retention. Both methods are idempotent: a retried call writes nothing twice.
 * Activity names are recorded in histories: do not rename.
 */
@ActivityInterface
public interface MirrorCatalogActivities {

    @ActivityMethod(name = "RecordPhase")
    void recordPhase(PhaseChange change);

    @ActivityMethod(name = "RecordOutcome")
    void recordOutcome(MirrorOutcomeRecord outcome);

    /** Adds a SIGNAL event to the mirror's history, e.g. a signal refused during maintenance. */
    @ActivityMethod(name = "RecordSignal")
    void recordSignal(SignalNote note);
}
