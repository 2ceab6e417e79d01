package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.time.Instant;
import java.util.Objects;

/**
 * Commits a streamed transaction ({@code 'c'}): the changes of all its blocks, except those of
 * aborted subtransactions, become final.
 *
 * @param endLsn the LSN just past the commit record, the position to confirm once applied
 */
public record StreamCommitMessage(long xid, Lsn commitLsn, Lsn endLsn, Instant commitTime) {

    public StreamCommitMessage {
        Objects.requireNonNull(commitLsn, "commitLsn");
        Objects.requireNonNull(endLsn, "endLsn");
        Objects.requireNonNull(commitTime, "commitTime");
    }
}
