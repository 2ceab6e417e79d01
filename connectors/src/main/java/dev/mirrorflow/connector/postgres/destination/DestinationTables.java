package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.ExistingRows;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, verifies and evolves the destination table of one mapping. A destination table has
 * the source's columns minus the excluded ones, with the same types and the same primary key.
 * The differences it repairs are a column the source gained (that is how {@code ALTER TABLE
 * ADD COLUMN} at the source reaches the destination) and a column the source renamed, and a
 * column the source dropped is kept; any other difference would silently lose or bend data, so
 * it fails with a one-line message that says to resync. A resync recreates only a table that
 * mirrorflow created ({@link MirrorTablesTable}); for any other, the message says what the user
 * can do instead.
 *
 * <p>A column added at the source is added here so that the rows the destination already has
 * read what the source's existing rows read ({@link ColumnSchema#existingRows()}): the value
 * PostgreSQL stored for a non-volatile default becomes this column's default for the ADD COLUMN
 * alone, and is dropped right after, because every row a batch writes carries the column and a
 * copied default (for {@code now()}, a frozen timestamp) would only mislead. When that value is
 * unknown (a volatile default rewrote the source's rows), adding the column fails and says to
 * resync. A renamed column is found by its source attribute number, which {@link
 * SourceColumnsTable} records for every column, and renamed here with its data. Generated
 * columns are created generated, with the source's expression, so the destination computes them
 * from the replicated columns.
 *
 * <p>Columns other than the key are created nullable whatever the source says: a NOT NULL at
 * the destination could only turn a source-side situation the destination cannot see (a column
 * added at the source with a default that existing rows never sent) into a stuck mirror.
 */
final class DestinationTables {

    /** Staging columns use this prefix; a source column with it would collide with them. */
    static final String RESERVED_PREFIX = "_mirrorflow_";

    private static final Logger log = LoggerFactory.getLogger(DestinationTables.class);

    private static final String DESCRIBE = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod, coalesce(k.ord, 0),
                   a.attnum, a.attgenerated <> ''
            FROM pg_attribute a
            LEFT JOIN LATERAL (
                SELECT u.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord)
                WHERE i.indrelid = a.attrelid AND i.indisprimary AND u.attnum = a.attnum) k ON true
            WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private static final String RESOLVE_TYPES = """
            SELECT r.name, r.oid, n.nspname = 'pg_catalog'
            FROM (SELECT name, to_regtype(name)::oid AS oid FROM unnest(?::text[]) name) r
            LEFT JOIN pg_type t ON t.oid = r.oid
            LEFT JOIN pg_namespace n ON n.oid = t.typnamespace""";

    private DestinationTables() {
    }

    /**
     * Makes the destination table of {@code mapping} fit {@code source}, in the caller's
     * transaction, and describes it.
     *
     * @param sourceIsCurrent true when {@code source} is the source table as it is now (prepare):
     *     a destination column it lacks was dropped at the source, which is an error. False when
     *     it is the shape a change was made with (apply), which may predate columns the
     *     destination already has; those are then simply not part of the change.
     * @throws IllegalStateException with a one-line message when the tables cannot be reconciled
     */
    static DestinationTable reconcile(Connection connection, String mirror, TableMapping mapping, TableSchema source,
            boolean sourceIsCurrent) throws SQLException {
        TableId destination = mapping.destination();
        long relation = relationOid(connection, destination);
        Optional<MirrorTablesTable.Claim> claim = relation == 0 ? Optional.empty()
                : MirrorTablesTable.claimOf(connection, relation, destination);
        if (claim.isPresent() && !claim.get().mirror().equals(mirror)) {
            throw new IllegalStateException(belongsToAnotherMirror(destination, claim.get().mirror()));
        }
        Map<Integer, SourceColumnsTable.Entry> recorded = relation == 0 ? new HashMap<>()
                : SourceColumnsTable.read(connection, relation);
        Set<Integer> excluded = excludedSourceColumns(mapping, recorded);
        List<ColumnSchema> columns = mappedColumns(mapping, source, excluded);
        EnumTypes.ensure(connection, columns);
        Map<String, ResolvedType> types = resolveTypes(connection, columns);
        for (ColumnSchema column : columns) {
            if (types.get(column.type()).oid() == 0) {
                throw new IllegalStateException("type " + column.type() + " of column " + column.name()
                        + " of source table " + source.id() + " does not exist at the destination; create it there"
                        + " (mirrorflow creates enum types only)");
            }
        }
        if (relation == 0) {
            create(connection, destination, columns, source.id());
            relation = relationOid(connection, destination);
            // Rows of a dropped table that had this oid describe another table.
            SourceColumnsTable.forget(connection, relation);
            recorded.clear();
            MirrorTablesTable.write(connection, relation, destination, mirror, true);
        } else {
            if (claim.isPresent() && claim.get().created()) {
                LoadTimeKeys.restoreInTransaction(connection, mirror, destination, relation, source.id(),
                        columns.stream().filter(ColumnSchema::isKey)
                                .sorted((a, b) -> Integer.compare(a.keyPosition(), b.keyPosition()))
                                .map(ColumnSchema::name).toList());
            }
            try {
                Described existing = describe(connection, destination, relation, recorded, excluded);
                if (renameColumns(connection, existing, columns, source.id())) {
                    existing = describe(connection, destination, relation, recorded, excluded);
                }
                List<ColumnSchema> missing = compare(existing, columns, types, source.id(), sourceIsCurrent,
                        mapping.excludedColumns());
                if (!missing.isEmpty()) {
                    addColumns(connection, destination, missing, source.id());
                }
            } catch (IllegalStateException e) {
                if (claim.isPresent() && claim.get().created()) {
                    throw e;
                }
                // Without the cause: the mirror's outcome reports the innermost message, which
                // would be the advice this replaces.
                throw new IllegalStateException(notOwnedAdvice(e.getMessage(), destination));
            }
            if (claim.isEmpty()) {
                // A table that existed before, matching the source: the mirror writes to it, but
                // it stays the user's (never dropped).
                MirrorTablesTable.write(connection, relation, destination, mirror, false);
            }
        }
        Described described = describe(connection, destination, relation, recorded, excluded);
        if (recordSourceColumns(connection, relation, mapping, source, described, recorded)) {
            described = describe(connection, destination, relation, recorded, excludedSourceColumns(mapping, recorded));
        }
        return described.table();
    }

    private static final java.util.regex.Pattern RESYNC_ADVICE =
            java.util.regex.Pattern.compile("; resync the mirror to (recreate|reload) the table$");

    /**
     * A resync drops and recreates only the tables mirrorflow created: for any other table the
     * advice to resync would not repair it (and, before ownership was recorded, destroyed the
     * user's table), so it is replaced by what the user can do.
     */
    static String notOwnedAdvice(String message, TableId destination) {
        java.util.regex.Matcher advice = RESYNC_ADVICE.matcher(message);
        if (!advice.find()) {
            return message;
        }
        return message.substring(0, advice.start()) + "; mirrorflow did not create destination table " + destination
                + " and never drops it: change it to match the source, or drop it yourself if its rows may go"
                + " (mirrorflow then creates it), or map the mirror to another destination table";
    }

    static String belongsToAnotherMirror(TableId destination, String owner) {
        return "destination table " + destination + " belongs to mirror " + owner + "; map this mirror to another"
                + " destination table (if mirror " + owner + " no longer exists, release the table with: DELETE FROM "
                + CheckpointTable.SCHEMA + ".mirror_tables WHERE mirror = '" + owner.replace("'", "''") + "')";
    }

    /**
     * The attribute numbers of the source columns the mapping still excludes under the name they
     * were excluded as; a column renamed since stays excluded.
     */
    private static Set<Integer> excludedSourceColumns(TableMapping mapping, Map<Integer, SourceColumnsTable.Entry> recorded) {
        Set<Integer> excluded = new HashSet<>();
        recorded.forEach((attnum, entry) -> {
            if (entry.excluded() && mapping.excludedColumns().contains(entry.excludedAs())) {
                excluded.add(attnum);
            }
        });
        return excluded;
    }

    /**
     * Records, in the caller's transaction, the source attribute number of every destination
     * column and excluded column not recorded yet: all of them for a new table, and for a table
     * prepared before this record was kept, by name (which is how such a table was matched).
     *
     * @return whether anything was written; {@code recorded} then holds it too
     */
    private static boolean recordSourceColumns(Connection connection, long relation, TableMapping mapping,
            TableSchema source, Described described, Map<Integer, SourceColumnsTable.Entry> recorded)
            throws SQLException {
        Map<String, CatalogColumn> byName = new HashMap<>();
        described.columns().forEach(column -> byName.put(column.name(), column));
        boolean written = false;
        for (ColumnSchema column : source.columns()) {
            if (column.attributeNumber() <= 0) {
                continue;
            }
            SourceColumnsTable.Entry now = recorded.get(column.attributeNumber());
            SourceColumnsTable.Entry wanted;
            if (mapping.excludedColumns().contains(column.name())) {
                wanted = new SourceColumnsTable.Entry(0, column.name());
            } else if (now != null && now.excluded() && mapping.excludedColumns().contains(now.excludedAs())) {
                // Excluded under an earlier name.
                continue;
            } else {
                CatalogColumn there = byName.get(column.name());
                if (there == null) {
                    continue;
                }
                wanted = new SourceColumnsTable.Entry(there.attnum(), null);
            }
            if (!wanted.equals(now)) {
                SourceColumnsTable.write(connection, relation, column.attributeNumber(), wanted);
                recorded.put(column.attributeNumber(), wanted);
                written = true;
            }
        }
        return written;
    }

    /**
     * Renames the destination columns whose source column (by attribute number) is now called
     * otherwise, keeping their data.
     *
     * @return whether anything was renamed
     */
    private static boolean renameColumns(Connection connection, Described existing, List<ColumnSchema> columns,
            TableId source) throws SQLException {
        Map<String, String> renames = new LinkedHashMap<>();
        for (ColumnSchema column : columns) {
            for (CatalogColumn there : existing.columns()) {
                if (column.attributeNumber() > 0 && there.sourceAttnum() == column.attributeNumber()
                        && !there.name().equals(column.name())) {
                    renames.put(there.name(), column.name());
                }
            }
        }
        if (renames.isEmpty()) {
            return false;
        }
        TableId destination = existing.table().id();
        Set<String> names = new HashSet<>();
        existing.columns().forEach(column -> names.add(column.name()));
        for (Map.Entry<String, String> rename : renames.entrySet()) {
            if (names.contains(rename.getValue()) && !renames.containsKey(rename.getValue())) {
                throw new IllegalStateException("source table " + source + " renamed column " + rename.getKey()
                        + " to " + rename.getValue() + ", but destination table " + destination
                        + " already has a column " + rename.getValue() + "; resync the mirror to recreate the table");
            }
        }
        // Names swapped among renamed columns go through names no source column can have first.
        boolean swapped = renames.values().stream().anyMatch(names::contains);
        List<String> statements = new ArrayList<>();
        List<String> finalSteps = new ArrayList<>();
        int step = 0;
        for (Map.Entry<String, String> rename : renames.entrySet()) {
            String from = rename.getKey();
            if (swapped) {
                String between = RESERVED_PREFIX + "renaming_" + step++;
                statements.add(renameColumn(destination, from, between));
                from = between;
            }
            finalSteps.add(renameColumn(destination, from, rename.getValue()));
        }
        statements.addAll(finalSteps);
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
        log.info("Renamed column(s) {} of destination table {} as the source renamed them", renames, destination);
        return true;
    }

    private static String renameColumn(TableId table, String from, String to) {
        return "ALTER TABLE " + table.quoted() + " RENAME COLUMN " + TableId.quote(from) + " TO " + TableId.quote(to);
    }

    /** The source columns that the destination has, in source order. */
    static List<ColumnSchema> mappedColumns(TableMapping mapping, TableSchema source) {
        return mappedColumns(mapping, source, Set.of());
    }

    /**
     * The source columns that the destination has, in source order.
     *
     * @param excludedSourceColumns attribute numbers of columns excluded under an earlier name
     */
    static List<ColumnSchema> mappedColumns(TableMapping mapping, TableSchema source, Set<Integer> excludedSourceColumns) {
        if (source.key().isEmpty()) {
            throw new IllegalStateException("source table " + source.id() + " has no primary key; add one"
                    + " (mirrorflow applies changes by primary key)");
        }
        List<ColumnSchema> columns = new ArrayList<>();
        for (ColumnSchema column : source.columns()) {
            if (mapping.excludedColumns().contains(column.name())
                    || excludedSourceColumns.contains(column.attributeNumber())) {
                if (column.isKey()) {
                    throw new IllegalStateException("column " + column.name() + " of source table " + source.id()
                            + " is part of its primary key and cannot be excluded; remove it from the exclusions");
                }
                continue;
            }
            if (column.name().startsWith(RESERVED_PREFIX)) {
                throw new IllegalStateException("column " + column.name() + " of source table " + source.id()
                        + " starts with " + RESERVED_PREFIX + ", which mirrorflow reserves for its staging"
                        + " columns; exclude or rename it");
            }
            columns.add(column);
        }
        return columns;
    }

    private static List<ColumnSchema> compare(Described existing, List<ColumnSchema> columns,
            Map<String, ResolvedType> types, TableId source, boolean sourceIsCurrent,
            java.util.Set<String> excluded) {
        TableId destination = existing.table().id();
        String sourceKey = columns.stream().filter(ColumnSchema::isKey)
                .sorted((a, b) -> Integer.compare(a.keyPosition(), b.keyPosition()))
                .map(ColumnSchema::name).collect(Collectors.joining(", ", "(", ")"));
        String destinationKey = existing.table().key().stream()
                .map(DestinationColumn::name).collect(Collectors.joining(", ", "(", ")"));
        // The key identifies rows as a set of columns; the replication stream numbers key columns
        // in column order, which may differ from the order the primary key was declared in.
        java.util.Set<String> sourceKeySet = columns.stream().filter(ColumnSchema::isKey).map(ColumnSchema::name)
                .collect(Collectors.toSet());
        java.util.Set<String> destinationKeySet = existing.table().key().stream().map(DestinationColumn::name)
                .collect(Collectors.toSet());
        if (!sourceKeySet.equals(destinationKeySet)) {
            throw new IllegalStateException("destination table " + destination + " has primary key " + destinationKey
                    + " but source table " + source + " has " + sourceKey + "; resync the mirror to recreate the table");
        }
        Map<String, CatalogColumn> present = new HashMap<>();
        existing.columns().forEach(column -> present.put(column.name(), column));
        List<ColumnSchema> missing = new ArrayList<>();
        for (ColumnSchema column : columns) {
            CatalogColumn there = present.remove(column.name());
            if (there == null) {
                missing.add(column);
            } else if (!sameType(column.type(), types.get(column.type()), there)) {
                throw new IllegalStateException("column " + column.name() + " of destination table " + destination
                        + " is " + there.type() + " but the source's is " + column.type()
                        + "; resync the mirror to recreate the table");
            } else if (column.attributeNumber() > 0 && there.sourceAttnum() > 0
                    && column.attributeNumber() != there.sourceAttnum()) {
                throw new IllegalStateException("column " + column.name() + " of source table " + source
                        + " is not the column that destination table " + destination + "'s " + column.name()
                        + " came from (the source dropped or renamed that one and reused its name)"
                        + "; resync the mirror to recreate the table");
            } else if (column.isGenerated() != there.generated()) {
                throw new IllegalStateException("column " + column.name() + " of destination table " + destination
                        + (there.generated() ? " is" : " is not") + " generated but the source's"
                        + (column.isGenerated() ? " is" : " is not") + "; resync the mirror to recreate the table");
            }
        }
        // A column the source dropped stays, as Debezium and PeerDB keep it: its values are still
        // the source's values of before the drop (the caller reports it). One the spec excludes
        // would hold values the spec says not to mirror.
        present.keySet().retainAll(excluded);
        if (sourceIsCurrent && !present.isEmpty()) {
            throw new IllegalStateException("destination table " + destination + " has column(s) "
                    + String.join(", ", new java.util.TreeSet<>(present.keySet())) + " that the mirror excludes from"
                    + " source table " + source + "; resync the mirror to recreate the table");
        }
        return missing;
    }

    /**
     * Both sides are format_type() output, which names a type outside pg_catalog qualified or not
     * depending on the search path it ran with. Textual equality covers every built-in type
     * (including its modifiers, like {@code numeric(12,2)}); a user type without modifiers, such
     * as an enum, is also the same when both names resolve to the same type here.
     */
    private static boolean sameType(String sourceType, ResolvedType resolved, CatalogColumn there) {
        if (sourceType.equals(there.type())) {
            return true;
        }
        return !resolved.builtIn() && resolved.oid() == there.typeOid() && there.typeModifier() == -1
                && !sourceType.contains("(");
    }

    private static void create(Connection connection, TableId table, List<ColumnSchema> columns, TableId source)
            throws SQLException {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(table.quoted()).append(" (");
        for (ColumnSchema column : columns) {
            sql.append(TableId.quote(column.name())).append(' ').append(column.type()).append(generatedClause(column))
                    .append(", ");
        }
        sql.append("PRIMARY KEY (").append(columns.stream().filter(ColumnSchema::isKey)
                .sorted((a, b) -> Integer.compare(a.keyPosition(), b.keyPosition()))
                .map(column -> TableId.quote(column.name())).collect(Collectors.joining(", "))).append("))");
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + TableId.quote(table.schema()));
            executeWithGeneratedColumns(statement, sql.toString(), columns, table, source);
        }
        log.info("Created destination table {} with {} columns", table, columns.size());
    }

    private static void addColumns(Connection connection, TableId table, List<ColumnSchema> columns, TableId source)
            throws SQLException {
        for (ColumnSchema column : columns) {
            if (column.isKey()) {
                // The key comparison already failed for this; kept as a guard because a key column
                // added without a value would leave existing rows unidentifiable.
                throw new IllegalStateException("key column " + column.name() + " is missing at destination table "
                        + table + "; resync the mirror to recreate the table");
            }
            if (!column.isGenerated() && column.existingRows().kind() == ExistingRows.Kind.UNKNOWN) {
                throw new IllegalStateException("cannot add column " + column.name() + " of source table " + source
                        + " to destination table " + table + " with what the table's existing rows hold: "
                        + column.existingRows().reason() + "; resync the mirror to reload the table");
            }
        }
        String sql = "ALTER TABLE " + table.quoted() + columns.stream()
                .map(column -> " ADD COLUMN IF NOT EXISTS " + TableId.quote(column.name()) + " " + column.type()
                        + generatedClause(column) + existingRowsDefault(column))
                .collect(Collectors.joining(","));
        List<ColumnSchema> filled = columns.stream().filter(column -> !existingRowsDefault(column).isEmpty()).toList();
        try (Statement statement = connection.createStatement()) {
            executeWithGeneratedColumns(statement, sql, columns, table, source);
            if (!filled.isEmpty()) {
                statement.execute("ALTER TABLE " + table.quoted() + filled.stream()
                        .map(column -> " ALTER COLUMN " + TableId.quote(column.name()) + " DROP DEFAULT")
                        .collect(Collectors.joining(",")));
            }
        }
        log.info("Added column(s) {} to destination table {}",
                columns.stream().map(ColumnSchema::name).collect(Collectors.joining(", ")), table);
    }

    private static String generatedClause(ColumnSchema column) {
        return column.isGenerated() ? " GENERATED ALWAYS AS (" + column.generationExpression() + ") STORED" : "";
    }

    /** The DEFAULT that gives a new column's existing rows the value the source's read; empty for NULL. */
    private static String existingRowsDefault(ColumnSchema column) {
        if (column.isGenerated() || column.existingRows().kind() != ExistingRows.Kind.VALUE) {
            return "";
        }
        return " DEFAULT '" + column.existingRows().value().replace("'", "''") + "'::" + column.type();
    }

    /**
     * Runs DDL that may create generated columns. An expression this destination cannot
     * evaluate (a function or column it lacks) is something only the user can fix, so it fails
     * with a line that says what; the caller's transaction is then rolled back whole.
     */
    private static void executeWithGeneratedColumns(Statement statement, String sql, List<ColumnSchema> columns,
            TableId table, TableId source) throws SQLException {
        try {
            statement.execute(sql);
        } catch (SQLException e) {
            List<ColumnSchema> generated = columns.stream().filter(ColumnSchema::isGenerated).toList();
            if (generated.isEmpty() || e.getSQLState() == null || !e.getSQLState().startsWith("42")) {
                throw e;
            }
            throw new IllegalStateException("destination table " + table + " cannot have the generated column(s) "
                    + generated.stream().map(c -> c.name() + " AS (" + c.generationExpression() + ")")
                            .collect(Collectors.joining(", "))
                    + " of source table " + source + ": " + BatchApplier.oneLine(e) + "; create what the expression"
                    + " needs at the destination (such as a function) or exclude the column", e);
        }
    }

    static long relationOid(Connection connection, TableId table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass(?)")) {
            statement.setString(1, table.quoted());
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return 0;
                }
                String kind = rows.getString(2);
                if (!kind.equals("r") && !kind.equals("p")) {
                    throw new IllegalStateException("destination " + table + " exists but is not a table (relkind "
                            + kind + "); drop or rename it, or map the mirror to another destination table");
                }
                return rows.getLong(1);
            }
        }
    }

    private static Described describe(Connection connection, TableId table, long relation,
            Map<Integer, SourceColumnsTable.Entry> recorded, Set<Integer> excludedSourceColumns) throws SQLException {
        Map<Integer, Integer> sourceOf = new HashMap<>();
        recorded.forEach((sourceAttnum, entry) -> {
            if (!entry.excluded()) {
                sourceOf.put(entry.destinationAttnum(), sourceAttnum);
            }
        });
        List<CatalogColumn> columns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(DESCRIBE)) {
            statement.setLong(1, relation);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    int attnum = rows.getInt(6);
                    columns.add(new CatalogColumn(rows.getString(1), rows.getString(2), rows.getLong(3),
                            rows.getInt(4), rows.getInt(5), attnum, sourceOf.getOrDefault(attnum, 0),
                            rows.getBoolean(7)));
                }
            }
        }
        return new Described(new DestinationTable(table, columns.stream().filter(column -> !column.generated())
                .map(column -> new DestinationColumn(column.name(), column.type(), column.keyPosition(),
                        column.sourceAttnum())).toList(), excludedSourceColumns),
                columns);
    }

    private static Map<String, ResolvedType> resolveTypes(Connection connection, List<ColumnSchema> columns)
            throws SQLException {
        Map<String, ResolvedType> types = new HashMap<>();
        Array names = connection.createArrayOf("text", columns.stream().map(ColumnSchema::type).distinct().toArray());
        try (PreparedStatement statement = connection.prepareStatement(RESOLVE_TYPES)) {
            statement.setArray(1, names);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    types.put(rows.getString(1), new ResolvedType(rows.getLong(2), rows.getBoolean(3)));
                }
            }
        }
        return types;
    }

    /** A source type name as this destination resolves it; oid 0 when it does not exist here. */
    private record ResolvedType(long oid, boolean builtIn) {}

    /**
     * @param sourceAttnum the source attribute number recorded for it; 0 when none is
     * @param generated whether the destination computes it
     */
    private record CatalogColumn(String name, String type, long typeOid, int typeModifier, int keyPosition,
            int attnum, int sourceAttnum, boolean generated) {}

    private record Described(DestinationTable table, List<CatalogColumn> columns) {}
}
