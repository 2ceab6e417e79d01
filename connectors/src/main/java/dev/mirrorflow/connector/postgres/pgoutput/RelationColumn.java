package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Objects;

/**
 * One column of a {@link RelationMessage}.
 *
 * @param partOfKey whether the column belongs to the replica identity (all columns do under
 *     {@code REPLICA IDENTITY FULL})
 * @param typeOid the oid of the column's type, for example 23 for {@code int4}
 * @param typeModifier {@code pg_attribute.atttypmod}, for example 24 for {@code varchar(20)}, or
 *     -1 if the type has none
 */
public record RelationColumn(boolean partOfKey, String name, int typeOid, int typeModifier) {

    public RelationColumn {
        Objects.requireNonNull(name, "name");
    }
}
