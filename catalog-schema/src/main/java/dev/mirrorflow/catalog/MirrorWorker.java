package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * The worker a mirror's load or stream runs on, as that worker recorded it when it started.
 *
 * @param identity the worker's Temporal identity, {@code mirrorflow@<host>/<instance id>}
 * @param activity what runs there: {@code LoadSnapshot} or {@code StreamChanges}
 */
public record MirrorWorker(String identity, String activity, Instant startedAt) {}
