package dev.mirrorflow.connector;

import java.util.List;

/**
 * A column as a destination must create it.
 *
 * @param type the SQL type as PostgreSQL's {@code format_type()} prints it, e.g.
 *     {@code numeric(12,2)}, {@code text[]}, {@code public.mood}
 * @param keyPosition 1-based position in the primary key, 0 when not part of it
 * @param enumLabels when the type, or the element type of an array type, is an enum: its labels
 *     in sort order, so that a destination can create the same enum (the type name alone says
 *     nothing about its values); otherwise empty
 */
public record ColumnSchema(String name, String type, boolean nullable, int keyPosition, List<String> enumLabels) {

    public ColumnSchema {
        enumLabels = List.copyOf(enumLabels);
    }

    /** A column whose type is not an enum. */
    public ColumnSchema(String name, String type, boolean nullable, int keyPosition) {
        this(name, type, nullable, keyPosition, List.of());
    }

    public boolean isKey() {
        return keyPosition > 0;
    }
}
