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
 * @param attributeNumber the source's number for the column, which stays when the column is
 *     renamed, so that a destination can tell a renamed column from a new one; 0 when unknown
 * @param generationExpression for a generated stored column, its expression as the source prints
 *     it (such a column is computed, never sent by the change stream); otherwise null
 * @param existingRows what the rows the table had when the column was added read in it
 */
public record ColumnSchema(String name, String type, boolean nullable, int keyPosition, List<String> enumLabels,
        int attributeNumber, String generationExpression, ExistingRows existingRows) {

    public ColumnSchema {
        enumLabels = List.copyOf(enumLabels);
    }

    /** A plain column whose attribute number and existing rows are not known. */
    public ColumnSchema(String name, String type, boolean nullable, int keyPosition, List<String> enumLabels) {
        this(name, type, nullable, keyPosition, enumLabels, 0, null, ExistingRows.NULL);
    }

    /** A column whose type is not an enum. */
    public ColumnSchema(String name, String type, boolean nullable, int keyPosition) {
        this(name, type, nullable, keyPosition, List.of());
    }

    public boolean isKey() {
        return keyPosition > 0;
    }

    /** Whether the source computes this column from its other columns. */
    public boolean isGenerated() {
        return generationExpression != null;
    }
}
