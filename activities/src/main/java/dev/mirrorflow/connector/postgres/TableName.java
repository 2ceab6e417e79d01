package dev.mirrorflow.connector.postgres;

import java.util.Objects;

/** A schema-qualified table name as Postgres stores it (case-sensitive, unquoted). */
public record TableName(String schema, String name) {

    public TableName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        if (schema.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("a table name needs a schema and a name");
        }
    }

    /**
     * Reads {@code schema.table} or {@code table} (then in {@code public}). Names are taken as
     * written, without SQL case folding: {@code Orders} means the table created as {@code "Orders"}.
     */
    public static TableName parse(String qualified) {
        int dot = qualified.indexOf('.');
        return dot < 0
                ? new TableName("public", qualified)
                : new TableName(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** The name as an SQL identifier, safe to splice into a statement. */
    public String quoted() {
        return quote(schema) + "." + quote(name);
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }
}
