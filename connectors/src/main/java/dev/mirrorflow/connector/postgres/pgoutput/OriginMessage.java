package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.util.Objects;

/**
 * Says that the current transaction was replayed from another server through a replication
 * origin ({@code 'O'}); it follows the begin. Consumers use it to avoid replicating a change
 * back to where it came from.
 *
 * @param originCommitLsn the LSN of the commit on the origin server
 */
public record OriginMessage(Lsn originCommitLsn, String originName) {

    public OriginMessage {
        Objects.requireNonNull(originCommitLsn, "originCommitLsn");
        Objects.requireNonNull(originName, "originName");
    }
}
