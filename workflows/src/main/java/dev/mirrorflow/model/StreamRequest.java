package dev.mirrorflow.model;

/** Asks for the change stream of a mirror with the current settings. */
public record StreamRequest(String mirror, int loadGeneration, int batchSize, long idleTimeoutMillis) {}
