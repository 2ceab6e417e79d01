package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * A mirror's source position saved before something else may start: for MongoDB the resume
 * token taken before the initial load, so that the change stream can resume from it.
 */
public record SourceCheckpoint(long mirrorId, int loadGeneration, Kind kind, String position, Instant savedAt) {

    /** Stored names: do not rename. */
    public enum Kind {
        POSTGRES_LSN,
        MONGO_RESUME_TOKEN
    }
}
