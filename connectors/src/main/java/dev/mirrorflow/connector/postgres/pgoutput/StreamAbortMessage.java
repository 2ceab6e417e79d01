package dev.mirrorflow.connector.postgres.pgoutput;

/**
 * Discards streamed changes ({@code 'A'}): those of the whole transaction when {@code
 * subtransactionXid == xid}, otherwise only those of that subtransaction (a rolled-back
 * savepoint).
 */
public record StreamAbortMessage(long xid, long subtransactionXid) {

    /** Whether the whole top-level transaction aborted, not just one of its subtransactions. */
    public boolean abortsTransaction() {
        return xid == subtransactionXid;
    }
}
