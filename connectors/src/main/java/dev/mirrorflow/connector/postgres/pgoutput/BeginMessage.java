package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.time.Instant;
import java.util.Objects;

/**
 * Starts a transaction ({@code 'B'}). Transactions arrive whole and in commit order, so the
 * commit's position and time are already known here.
 *
 * @param finalLsn the LSN of the transaction's commit record
 */
public record BeginMessage(Lsn finalLsn, Instant commitTime, long xid) {

    public BeginMessage {
        Objects.requireNonNull(finalLsn, "finalLsn");
        Objects.requireNonNull(commitTime, "commitTime");
    }
}
