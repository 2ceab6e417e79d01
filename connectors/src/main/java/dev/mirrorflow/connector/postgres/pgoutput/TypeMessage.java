package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Objects;

/**
 * Names a user-defined type ({@code 'Y'}), such as an enum, before the first relation that uses
 * it. Built-in types are never described; their oids are fixed.
 *
 * @param xid the streamed transaction's id, or 0 outside a streamed transaction
 * @param namespace the schema name, empty for {@code pg_catalog}
 */
public record TypeMessage(long xid, int typeOid, String namespace, String name) {

    public TypeMessage {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }
}
