package dev.mirrorflow.catalog;

import java.time.Instant;

/** One incarnation of a mirror as the catalog records it. {@code spec} is the spec as JSON. */
public record MirrorRow(
        long id,
        String name,
        String sourcePeer,
        String destinationPeer,
        String spec,
        String workflowId,
        MirrorPhase phase,
        String phaseReason,
        String lastError,
        Instant phaseSince,
        Instant createdAt,
        Instant updatedAt,
        Instant droppedAt) {

    public boolean isLive() {
        return droppedAt == null;
    }
}
