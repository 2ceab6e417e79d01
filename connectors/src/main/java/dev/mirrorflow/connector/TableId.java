package dev.mirrorflow.connector;

import dev.mirrorflow.model.IdentifierSyntax;
import java.util.List;
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
     * Parses {@code schema.table} or {@code table} (schema {@code public}) in PostgreSQL's
     * identifier syntax, as specs and the catalog write them (see {@link IdentifierSyntax}):
     * {@code public."Order Items"} is the table {@code Order Items}.
     *
     * @throws IllegalArgumentException when it is not a table name
     */
    public static TableId parse(String qualified) {
        List<String> parts = IdentifierSyntax.parseQualified(qualified);
        return parts.size() == 1 ? new TableId("public", parts.get(0)) : new TableId(parts.get(0), parts.get(1));
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

    /**
     * The name as specs, the catalog and messages write it: {@code public.orders}, and names that
     * are not plain lowercase in double quotes, {@code "Sales"."Q1"}; {@link #parse} reads it back.
     */
    @Override
    public String toString() {
        return IdentifierSyntax.written(schema, name);
    }
}
