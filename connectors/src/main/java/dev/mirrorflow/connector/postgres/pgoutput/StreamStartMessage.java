package dev.mirrorflow.connector.postgres.pgoutput;

/**
 * Opens a block of changes from a large in-progress transaction ({@code 'S'}, protocol 2 with
 * {@code streaming 'on'}). Every message up to the next {@link StreamStopMessage} belongs to it
 * and carries its (sub)transaction id. The transaction may still abort.
 *
 * @param firstSegment whether this is the transaction's first block
 */
public record StreamStartMessage(long xid, boolean firstSegment) {
}
