package dev.mirrorflow.catalog;

import java.time.Instant;

/** One entry of a mirror's append-only history. */
public record MirrorEvent(
        long id,
        long mirrorId,
        Instant occurredAt,
        Kind kind,
        MirrorPhase phase,
        String reason,
        String error,
        String details) {

    /** The stored kinds of event: do not rename. */
    public enum Kind {
        PHASE,
        ERROR,
        SIGNAL,
        INFO,
        /** A schema change noticed at the source; see {@link MirrorRepository#recordSchemaChange}. */
        SCHEMA,
        /** A spec edit applied; see {@link MirrorRepository#applyPendingSpec}. */
        EDIT
    }
}
