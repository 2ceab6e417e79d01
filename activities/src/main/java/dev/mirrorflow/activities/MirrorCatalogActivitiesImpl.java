package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CdcBatch;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorOutcome;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.model.MirrorOutcomeRecord;
import dev.mirrorflow.model.PhaseChange;
import dev.mirrorflow.model.SignalNote;
import dev.mirrorflow.workflow.FailureTypes;
import dev.mirrorflow.workflow.activity.MirrorCatalogActivities;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mirrors each phase change and the final outcome of a mirror's workflow into the catalog. */
public final class MirrorCatalogActivitiesImpl implements MirrorCatalogActivities {

    private static final Logger log = LoggerFactory.getLogger(MirrorCatalogActivitiesImpl.class);

    private final Catalog catalog;

    public MirrorCatalogActivitiesImpl(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void recordPhase(PhaseChange change) {
        MirrorRow mirror = liveMirror(change.mirror());
        if (catalog.mirrors().recordPhase(mirror.id(), CatalogPhases.toCatalog(change.phase()), change.reason(),
                change.error(), change.idempotencyKey())) {
            log.info("mirror {} is {}{}", change.mirror(), change.phase(),
                    change.reason() == null ? "" : " (" + change.reason() + ")");
        }
    }

    @Override
    public void recordOutcome(MirrorOutcomeRecord outcome) {
        MirrorRow mirror = liveMirror(outcome.mirror());
        CdcBatch.Totals cdc = catalog.cdcBatches().totals(mirror.id());
        long loaded = catalog.snapshotPartitions().rowsCopiedInAllLoads(mirror.id());
        catalog.mirrors().recordOutcome(new MirrorOutcome(mirror.id(), outcome.runId(),
                CatalogPhases.toCatalog(outcome.finalPhase()), loaded, cdc.rowsApplied(), cdc.batches(),
                cdc.lastPosition(), outcome.error(), null));
        if (outcome.dropped()) {
            catalog.mirrors().markDropped(mirror.id());
        }
        log.info("mirror {} ended {}{}", outcome.mirror(), outcome.finalPhase(),
                outcome.error() == null ? "" : ": " + outcome.error());
    }

    @Override
    public void recordSignal(SignalNote note) {
        MirrorRow mirror = liveMirror(note.mirror());
        if (catalog.mirrors().recordEvent(mirror.id(), MirrorEvent.Kind.SIGNAL, note.text(), null,
                note.idempotencyKey())) {
            log.info("mirror {}: {}", note.mirror(), note.text());
        }
    }

    private MirrorRow liveMirror(String name) {
        return catalog.mirrors().findLive(name).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "mirror " + name + " is not in the catalog (was it dropped?)", FailureTypes.MIRROR_NOT_FOUND));
    }
}
