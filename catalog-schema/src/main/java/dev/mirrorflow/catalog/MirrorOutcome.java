package dev.mirrorflow.catalog;

import java.time.Instant;

/** How one workflow run of a mirror ended. */
public record MirrorOutcome(
        long mirrorId,
        String runId,
        MirrorPhase finalPhase,
        long rowsSnapshotted,
        long rowsApplied,
        long batches,
        String lastCheckpoint,
        String error,
        Instant closedAt) {

    public MirrorOutcome {
        if (!finalPhase.isTerminal()) {
            throw new IllegalArgumentException("an outcome needs a terminal phase, not " + finalPhase);
        }
    }
}
