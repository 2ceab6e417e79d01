package dev.mirrorflow.model;

/**
 * What a worker says about itself: its persistent instance id, version, host and Temporal
 * identity, and whether the catalog answered it.
 */
public record WorkerDescription(
        String instanceId,
        String version,
        String host,
        String identity,
        boolean catalogReachable,
        String catalogVersion) {}
