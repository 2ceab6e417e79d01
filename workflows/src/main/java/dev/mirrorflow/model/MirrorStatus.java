package dev.mirrorflow.model;

/** What the workflow's `status` query answers. Times are workflow time in epoch millis. */
public record MirrorStatus(
        String name,
        Phase phase,
        long phaseSinceMillis,
        String pauseReason,
        int loadGeneration,
        boolean loadDone,
        String lastError,
        int batchSize,
        long idleTimeoutMillis) {}
