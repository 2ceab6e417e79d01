package dev.mirrorflow.model;

/**
 * How a mirror's workflow ended, for the catalog, which adds the totals it has recorded.
 *
 * @param dropped the mirror was dropped: its catalog row is marked so and its name is free
 */
public record MirrorOutcomeRecord(String mirror, String runId, Phase finalPhase, String error, boolean dropped) {}
