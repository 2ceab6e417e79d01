package dev.mirrorflow.catalog;

import java.time.Instant;
import java.util.UUID;

/** A worker process known to the catalog by its persistent instance id. */
public record WorkerRow(UUID instanceId, String host, String version, String identity, Instant startedAt, Instant lastSeenAt) {}
