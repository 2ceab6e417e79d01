package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * A mirror a maintenance window recorded as active when it opened, and where it stands in
 * that window.
 *
 * @param note why a mirror was not paused or not resumed (failed, dropped, paused by a user)
 */
public record MaintenanceMirror(long runId, long mirrorId, String name, State state, String note, Instant pausedAt,
        Instant resumedAt) {

    /** Stored names: do not rename. */
    public enum State {
        /** Asked to pause; the window waits for it. */
        PAUSING,
        PAUSED,
        /** Failed while the window paused it; not waited for, not resumed. */
        FAILED,
        /** Dropped while the window paused it. */
        DROPPED,
        /** Resumed by `end`. */
        RESUMED,
        /** Left as it was by `end`; the note says why. */
        SKIPPED
    }
}
