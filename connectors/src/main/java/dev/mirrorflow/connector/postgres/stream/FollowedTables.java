package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.util.List;
import java.util.Map;

/**
 * The source tables a stream follows by relation OID rather than by name, so that a table renamed
 * at the source keeps streaming into its destination table, and what the stream knew about them
 * when it started, so that it can tell what changed since.
 *
 * @param byOid the followed tables by relation OID
 * @param shapesReadAt the source's WAL position just after {@link Table#columns()} were read: a
 *     transaction that commits after it was made with those columns or with newer ones, so a
 *     column it lacks was dropped
 */
public record FollowedTables(Map<Integer, Table> byOid, Lsn shapesReadAt) {

    public FollowedTables {
        byOid = Map.copyOf(byOid);
    }

    /**
     * One followed table.
     *
     * @param table the table as the mirror's spec names it; its changes carry this id, which is
     *     what the destination maps
     * @param knownName the name the mirror last recorded for it (the spec's name until a rename
     *     was recorded); a Relation message with another name is a rename
     * @param columns the table's columns when the stream started, in order
     */
    public record Table(TableId table, TableId knownName, List<String> columns) {

        public Table {
            columns = List.copyOf(columns);
        }
    }
}
