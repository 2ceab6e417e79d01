package dev.mirrorflow.model;

/**
 * A phase change to record in the catalog. {@code idempotencyKey} makes a retried write a
 * no-op.
 */
public record PhaseChange(String mirror, Phase phase, String reason, String error, String idempotencyKey) {}
