package dev.mirrorflow.catalog;

import java.time.Instant;

/** One maintenance window: from `maintenance start` to `maintenance end`. */
public record MaintenanceRun(long id, String workflowId, State state, String reason, Instant startedAt, Instant endedAt) {

    /** Stored names: do not rename. */
    public enum State {
        STARTING,
        ACTIVE,
        ENDING,
        ENDED
    }
}
