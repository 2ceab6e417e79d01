package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.TableId;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The SQL that applies collapsed rows to one destination table, built once per table shape.
 *
 * <p>Rows are copied into a temporary staging table that has the destination's columns plus
 * three of its own: whether the row is deleted, which columns are unchanged (a {@code
 * boolean[]} indexed like the destination's columns, NULL when none is), and the key of the row
 * the unchanged values come from when it is not the row itself (as {@code text[]}, NULL
 * normally). One MERGE keyed by the primary key then deletes, updates or inserts, and an
 * unchanged column keeps the target's value. Replaying the same rows gives the same result,
 * which is what makes a replayed batch harmless.
 *
 * <p>The staging table lives as long as the destination session: created once per table shape
 * (each instance names its own, so a table whose shape changed gets a new one) and emptied by
 * every commit or rollback ({@code ON COMMIT DELETE ROWS}). Creating and dropping one per table
 * and batch cost two round trips and catalog writes for every batch.
 *
 * <p>Rows the batch inserted under keys it did not touch otherwise skip all that: one COPY
 * writes them into the table itself, which costs about half as much. The caller falls back to
 * the MERGE when the table has one of the keys after all.
 */
record MergeStatements(String staging, String createStaging, String copy, String fillFromBase, String merge,
        String truncate, String copyFresh) {

    static final String STAGING = "_mirrorflow_staging";
    /** Numbers the staging tables of one JVM, so that no two table shapes share one. */
    private static final AtomicLong STAGING_TABLES = new AtomicLong();
    static final String DELETE = DestinationTables.RESERVED_PREFIX + "delete";
    static final String UNCHANGED = DestinationTables.RESERVED_PREFIX + "unchanged";
    static final String BASE = DestinationTables.RESERVED_PREFIX + "base";

    static MergeStatements of(DestinationTable table) {
        List<DestinationColumn> columns = table.columns();
        String target = table.id().quoted();
        String staging = STAGING + "_" + STAGING_TABLES.incrementAndGet();
        String names = columns.stream().map(c -> TableId.quote(c.name())).collect(Collectors.joining(", "));
        List<Integer> nonKey = IntStream.range(0, columns.size()).filter(i -> !columns.get(i).isKey())
                .boxed().toList();

        // CREATE TABLE AS rather than LIKE: LIKE would copy the destination's NOT NULL
        // constraints, which a staged delete (key only) or an unchanged column (staged as NULL)
        // must not meet. ON COMMIT DELETE ROWS leaves no row behind, even when the batch fails.
        String createStaging = "CREATE TEMP TABLE IF NOT EXISTS " + staging + " ON COMMIT DELETE ROWS AS SELECT " + names
                + ", NULL::boolean AS " + DELETE + ", NULL::boolean[] AS " + UNCHANGED
                + ", NULL::text[] AS " + BASE + " FROM " + target + " WITH NO DATA";
        String copy = "COPY " + staging + " (" + names + ", " + DELETE + ", " + UNCHANGED + ", " + BASE
                + ") FROM STDIN";

        String keyJoin = table.key().stream().map(c -> "t." + TableId.quote(c.name()) + " = s." + TableId.quote(c.name()))
                .collect(Collectors.joining(" AND "));
        StringBuilder merge = new StringBuilder("MERGE INTO ").append(target).append(" t USING ").append(staging)
                .append(" s ON ").append(keyJoin)
                .append(" WHEN MATCHED AND s.").append(DELETE).append(" THEN DELETE");
        if (nonKey.isEmpty()) {
            merge.append(" WHEN MATCHED THEN DO NOTHING");
        } else {
            merge.append(" WHEN MATCHED THEN UPDATE SET ").append(nonKey.stream()
                    .map(i -> TableId.quote(columns.get(i).name()) + " = " + keepUnchanged(columns, i, "t"))
                    .collect(Collectors.joining(", ")));
        }
        // A row the destination lacks is inserted only when every value is known. An update whose
        // unchanged (TOAST) values have no row to come from is a replayed change to a row deleted
        // later (a stream replaying what a load read at a later snapshot), which that delete
        // removes again; inserting it with NULLs would be a wrong row meanwhile, or fail a NOT NULL.
        merge.append(" WHEN NOT MATCHED AND NOT s.").append(DELETE).append(" AND s.").append(UNCHANGED)
                .append(" IS NULL THEN INSERT (").append(names)
                .append(") VALUES (").append(columns.stream().map(c -> "s." + TableId.quote(c.name()))
                        .collect(Collectors.joining(", "))).append(')');

        // Before the MERGE, rows whose unchanged values belong to another destination row (the
        // row under the key an UPDATE changed away from) take them from it. The MERGE deletes
        // that row later in the same transaction, so it must be read first.
        String fillFromBase = null;
        if (!nonKey.isEmpty()) {
            List<DestinationColumn> key = table.key();
            String baseJoin = IntStream.range(0, key.size())
                    .mapToObj(i -> "b." + TableId.quote(key.get(i).name()) + " = (s." + BASE + ")[" + (i + 1) + "]::"
                            + key.get(i).type())
                    .collect(Collectors.joining(" AND "));
            fillFromBase = "UPDATE " + staging + " s SET " + nonKey.stream()
                    .map(i -> TableId.quote(columns.get(i).name()) + " = " + keepUnchanged(columns, i, "b"))
                    .collect(Collectors.joining(", "))
                    + ", " + UNCHANGED + " = NULL FROM " + target + " b WHERE s." + BASE + " IS NOT NULL AND " + baseJoin;
        }
        // Fresh rows (see PendingRow) go straight into the table.
        String copyFresh = "COPY " + target + " (" + names + ") FROM STDIN";
        return new MergeStatements(staging, createStaging, copy, fillFromBase, merge.toString(),
                "TRUNCATE " + target, copyFresh);
    }

    /** The new value of column {@code i}: the staged one, or {@code from}'s when it is unchanged. */
    private static String keepUnchanged(List<DestinationColumn> columns, int i, String from) {
        String name = TableId.quote(columns.get(i).name());
        // Subscripting a NULL array gives NULL, so rows without unchanged columns take s's value.
        return "CASE WHEN s." + UNCHANGED + "[" + (i + 1) + "] THEN " + from + "." + name + " ELSE s." + name + " END";
    }
}
