package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * One maintenance window: from `maintenance start` to `maintenance end`.
 *
 * @param startedBy who opened it (user, host and the worker that recorded it), from V004 on
 */
public record MaintenanceRun(long id, String workflowId, State state, String reason, Instant startedAt, Instant endedAt,
        String startedBy) {

    /** Stored names: do not rename. */
    public enum State {
        STARTING,
        ACTIVE,
        ENDING,
        ENDED
    }

    public boolean isOpen() {
        return state != State.ENDED;
    }
}
