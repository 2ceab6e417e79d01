package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One table of a mirror: which source table, where it goes, and which of its columns stay
 * behind.
 *
 * <p>Table names are {@code schema.table}; a spec that names only a table means the schema
 * {@value #DEFAULT_SCHEMA}, and the parser writes it out, so two spellings of one table are
 * one name here. Names are plain lowercase identifiers, because quoted SQL names are not
 * supported.
 *
 * <p>The JSON property names are stored in the catalog and carried in Temporal histories: do
 * not rename them.
 *
 * @param source the source table, {@code schema.table}; required
 * @param destination the destination table, {@code schema.table}; defaults to the source's name
 * @param exclude columns of the source table that are not copied, in the order written, each
 *     once; defaults to none
 */
@JsonPropertyOrder({"source", "destination", "exclude"})
public record TableSpec(
        @JsonProperty("source") String source,
        @JsonProperty("destination") String destination,
        @JsonProperty("exclude") List<String> exclude) {

    /** The schema of a table named without one: PostgreSQL's default schema. */
    public static final String DEFAULT_SCHEMA = "public";

    /** PostgreSQL truncates longer identifiers, which would silently rename a table. */
    public static final int MAX_IDENTIFIER_LENGTH = 63;

    /** One schema, table or column name: lowercase letters, digits and underscores. */
    public static final Pattern IDENTIFIER = Pattern.compile("[a-z0-9_]{1," + MAX_IDENTIFIER_LENGTH + "}");

    public TableSpec {
        requireQualifiedName("source", source);
        requireQualifiedName("destination", destination);
        exclude = List.copyOf(Objects.requireNonNull(exclude, "exclude"));
        Set<String> seen = new HashSet<>();
        for (String column : exclude) {
            if (!IDENTIFIER.matcher(column).matches()) {
                throw new IllegalArgumentException("excluded column '" + column + "' of " + source + " is not a plain column name");
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

    /** Whether a name is {@code schema.table} with both parts plain identifiers. */
    public static boolean isQualifiedName(String name) {
        int dot = name.indexOf('.');
        return dot > 0
                && IDENTIFIER.matcher(name.substring(0, dot)).matches()
                && IDENTIFIER.matcher(name.substring(dot + 1)).matches();
    }

    private static void requireQualifiedName(String role, String name) {
        Objects.requireNonNull(name, role);
        if (!isQualifiedName(name)) {
            throw new IllegalArgumentException(role + " table '" + name + "' is not schema.table in plain lowercase names");
        }
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
