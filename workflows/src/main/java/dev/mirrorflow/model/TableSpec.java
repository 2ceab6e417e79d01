package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One table of a mirror: which source table, where it goes, and which of its columns stay
 * behind.
 *
 * <p>Table names are {@code schema.table}; a spec that names only a table means the schema
 * {@value #DEFAULT_SCHEMA}, and the parser writes it out, so two spellings of one table are
 * one name here. They are in {@link IdentifierSyntax}'s written form: a name that is not plain
 * lowercase letters, digits and underscores is in double quotes, so {@code public."Order Items"}
 * names a table exactly. Excluded columns are exact names, unquoted.
 *
 * <p>The JSON property names are stored in the catalog and carried in Temporal histories: do
 * not rename them.
 *
 * @param source the source table, {@code schema.table} in the written form; required
 * @param destination the destination table, {@code schema.table} in the written form; defaults
 *     to the source's name
 * @param exclude exact names of columns of the source table that are not copied, in the order
 *     written, each once; defaults to none
 */
@JsonPropertyOrder({"source", "destination", "exclude"})
public record TableSpec(
        @JsonProperty("source") String source,
        @JsonProperty("destination") String destination,
        @JsonProperty("exclude") List<String> exclude) {

    /** The schema of a table named without one: PostgreSQL's default schema. */
    public static final String DEFAULT_SCHEMA = "public";

    public TableSpec {
        source = requireQualifiedName("source", source);
        destination = requireQualifiedName("destination", destination);
        exclude = List.copyOf(Objects.requireNonNull(exclude, "exclude"));
        Set<String> seen = new HashSet<>();
        for (String column : exclude) {
            try {
                IdentifierSyntax.requireExact(column);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("excluded column " + IdentifierSyntax.written(column) + " of " + source
                        + " is not a column name: " + e.getMessage());
            }
            if (!seen.add(column)) {
                throw new IllegalArgumentException("column '" + column + "' of " + source + " is excluded twice");
            }
        }
    }

    /** A table copied whole under its own name. */
    public static TableSpec of(String source) {
        return new TableSpec(source, source, List.of());
    }

    /** The name in the written form, so that two spellings of one table are one string. */
    private static String requireQualifiedName(String role, String name) {
        Objects.requireNonNull(name, role);
        List<String> parts;
        try {
            parts = IdentifierSyntax.parseQualified(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(role + " table '" + name + "' is not a table name: " + e.getMessage());
        }
        if (parts.size() != 2) {
            throw new IllegalArgumentException(role + " table '" + name + "' is not schema.table");
        }
        return IdentifierSyntax.written(parts.get(0), parts.get(1));
    }

    /**
     * Reads the stored form; a missing destination means the source's name and a missing
     * exclusion list means none, as in a spec file.
     */
    @JsonCreator
    static TableSpec fromStored(
            @JsonProperty("source") String source,
            @JsonProperty("destination") String destination,
            @JsonProperty("exclude") List<String> exclude) {
        return new TableSpec(source, destination == null ? source : destination, exclude == null ? List.of() : exclude);
    }
}
