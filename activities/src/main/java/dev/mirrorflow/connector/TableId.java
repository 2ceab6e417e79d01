package dev.mirrorflow.connector;

import java.util.Objects;

/** A table by schema and name, as the source or destination database knows it. */
public record TableId(String schema, String name) implements Comparable<TableId> {

    public TableId {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        if (schema.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("a table name needs a schema and a name");
        }
    }

    /**
     * Parses {@code schema.table} or {@code table} (schema {@code public}). Names are taken as
     * written; quoting rules of SQL are not applied.
     */
    public static TableId parse(String qualified) {
        int dot = qualified.indexOf('.');
        return dot < 0 ? new TableId("public", qualified)
                : new TableId(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** The name quoted for SQL: {@code "schema"."table"}. */
    public String quoted() {
        return quote(schema) + "." + quote(name);
    }

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public int compareTo(TableId o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }
}
