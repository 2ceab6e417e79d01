package dev.mirrorflow.model;

/**
 * What a load activity did. {@code complete} is false when it stopped early at a partition
 * boundary because it was asked to (pause).
 */
public record LoadResult(boolean complete, long rowsLoaded, int partitionsDone, int partitionsTotal) {}
