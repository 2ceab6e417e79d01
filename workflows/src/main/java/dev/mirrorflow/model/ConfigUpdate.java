package dev.mirrorflow.model;

/** Settings an `updateConfig` signal changes; null leaves a setting as it is. */
public record ConfigUpdate(Integer batchSize, Long idleTimeoutMillis) {}
