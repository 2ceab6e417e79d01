package dev.mirrorflow.connector;

/**
 * A column as a destination must create it.
 *
 * @param type the SQL type as PostgreSQL's {@code format_type()} prints it, e.g.
 *     {@code numeric(12,2)}, {@code text[]}, {@code public.mood}
 * @param keyPosition 1-based position in the primary key, 0 when not part of it
 */
public record ColumnSchema(String name, String type, boolean nullable, int keyPosition) {

    public boolean isKey() {
        return keyPosition > 0;
    }
}
