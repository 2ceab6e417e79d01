package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.List;
import java.util.Objects;

/**
 * Describes a table ({@code 'R'}). The server sends it before the first change to the table in
 * a session and again after the table's definition changes, so the latest one for an oid
 * replaces any earlier one.
 *
 * @param xid the streamed transaction's id, or 0 outside a streamed transaction
 * @param namespace the schema name, empty for {@code pg_catalog}
 */
public record RelationMessage(
        long xid,
        int relationOid,
        String namespace,
        String name,
        ReplicaIdentity replicaIdentity,
        List<RelationColumn> columns) {

    public RelationMessage {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(replicaIdentity, "replicaIdentity");
        columns = List.copyOf(columns);
    }

    /** The columns that identify a row, in column order. */
    public List<RelationColumn> keyColumns() {
        return columns.stream().filter(RelationColumn::partOfKey).toList();
    }
}
