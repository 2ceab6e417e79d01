package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.time.Instant;
import java.util.Objects;

/**
 * Ends a transaction ({@code 'C'}).
 *
 * @param commitLsn the LSN of the commit record, equal to the begin's {@code finalLsn}
 * @param endLsn the LSN just past the commit record: the position to confirm to the server once
 *     the transaction is applied downstream
 */
public record CommitMessage(Lsn commitLsn, Lsn endLsn, Instant commitTime) {

    public CommitMessage {
        Objects.requireNonNull(commitLsn, "commitLsn");
        Objects.requireNonNull(endLsn, "endLsn");
        Objects.requireNonNull(commitTime, "commitTime");
    }
}
