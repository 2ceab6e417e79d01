package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.ExistingRows;

/**
 * Tells from a column's catalog entry what the rows its table had when the column was added read
 * in it. The catalog is read now, possibly long after the column was added, so only what the
 * catalog still proves is trusted:
 *
 * <ul>
 *   <li>{@code atthasmissing}: the column was added with a non-volatile default (a constant,
 *       or a stable expression like {@code now()} evaluated once), and PostgreSQL keeps the
 *       value those rows read in {@code attmissingval} instead of rewriting them; exact.
 *   <li>no missing value and no default: the column was added without one, so those rows read
 *       NULL.
 *   <li>a default but no missing value: either the default was volatile ({@code random()}),
 *       and the source rewrote every row with a value of its own that no change carries, or the
 *       default was set later, or a rewrite since stored the values in the rows; the catalog
 *       cannot tell which, so the value is unknown.
 * </ul>
 */
public final class ExistingRowsReading {

    /**
     * What {@link #COLUMNS} reads, to join to a query over {@code pg_attribute a} that is left
     * joined with {@code pg_attrdef d} on the column's default. The rows of a partitioned table
     * are in its leaf partitions, each with its own catalog entry: their missing values count,
     * and they must agree.
     */
    public static final String JOIN = """
            LEFT JOIN LATERAL (
                SELECT bool_and(l.atthasmissing) AND count(DISTINCT l.attmissingval::text) = 1 AS has_missing,
                       min(l.attmissingval::text) AS missing,
                       bool_or(ld.adbin IS NOT NULL) AS has_default
                  FROM (SELECT p.relid FROM pg_partition_tree(a.attrelid) p WHERE p.isleaf
                        UNION ALL
                        SELECT a.attrelid WHERE NOT EXISTS (SELECT FROM pg_partition_tree(a.attrelid))) leaf
                  JOIN pg_attribute l ON l.attrelid = leaf.relid AND l.attname = a.attname AND NOT l.attisdropped
                  LEFT JOIN pg_attrdef ld ON ld.adrelid = l.attrelid AND ld.adnum = l.attnum) existing ON true
            """;

    /** The catalog columns {@link #of} reads, in its order, given {@link #JOIN}. */
    public static final String COLUMNS = "coalesce(existing.has_missing, false), existing.missing,"
            + " coalesce(existing.has_default, false), pg_get_expr(d.adbin, d.adrelid)";

    private ExistingRowsReading() {
    }

    /**
     * @param missingValues {@code attmissingval} as text: an array literal of one element
     * @param defaultExpression the column's default as {@code pg_get_expr} prints it, for the message
     */
    public static ExistingRows of(String column, boolean hasMissing, String missingValues, boolean hasDefault,
            String defaultExpression) {
        if (hasMissing && missingValues != null) {
            String value = onlyElement(missingValues);
            return value == null ? ExistingRows.NULL : ExistingRows.value(value);
        }
        if (!hasDefault) {
            return ExistingRows.NULL;
        }
        return ExistingRows.unknown("column " + column + " has default " + defaultExpression + " but the source"
                + " keeps no single value that the rows it had before the column was added read (a volatile"
                + " default such as random() gives each row its own, which the change stream does not carry)");
    }

    /**
     * The element of a one-element array literal, unquoted; null for NULL. Parsed here rather
     * than by casting to text[], because some types (box) use another delimiter than the comma.
     */
    static String onlyElement(String arrayLiteral) {
        if (!arrayLiteral.startsWith("{") || !arrayLiteral.endsWith("}")) {
            throw new IllegalStateException("attmissingval " + arrayLiteral + " is not an array literal");
        }
        String inner = arrayLiteral.substring(1, arrayLiteral.length() - 1);
        if (!inner.startsWith("\"")) {
            return inner.equals("NULL") ? null : inner;
        }
        StringBuilder value = new StringBuilder(inner.length());
        for (int i = 1; i < inner.length() - 1; i++) {
            char c = inner.charAt(i);
            if (c == '\\') {
                c = inner.charAt(++i);
            }
            value.append(c);
        }
        return value.toString();
    }
}
