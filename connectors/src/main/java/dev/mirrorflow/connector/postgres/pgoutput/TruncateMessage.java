package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.List;

/**
 * One {@code TRUNCATE} of one or more tables ({@code 'T'}), including tables reached through
 * {@code CASCADE}.
 *
 * @param xid the streamed (sub)transaction's id, or 0 outside a streamed transaction
 */
public record TruncateMessage(long xid, List<Integer> relationOids, boolean cascade, boolean restartIdentity) {

    public TruncateMessage {
        relationOids = List.copyOf(relationOids);
    }
}
